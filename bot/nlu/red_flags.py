"""Red-flag symptoms found by fixed patterns, as a safety net under the trained classifier.

The trained NLU model recognises red flags from examples, but a model can always miss a wording it
has not seen, and a missed emergency is the worst mistake this assistant can make. These patterns
follow the red-flag list of shared/DOMAIN.md and only match someone describing a symptom they (or
someone with them) have now: a message that is negated ("no trouble breathing"), hypothetical or
general ("can it make my lips swell?") or about the past ("I had a seizure as a child") is left to
the model. When in doubt a pattern errs towards safety. English and Spanish patterns sit side by side
and both are tried on every message; the Spanish ones read the text without its accents.

Pure Python with no Rasa import, so the action server and the tests can use it too; the Rasa
pipeline uses it through bot.nlu.red_flag_classifier.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Optional

EMERGENCY = "emergency_symptoms"
WORRYING = "worrying_symptoms"

_SWELL = r"(?:swell\w*|swollen|puff\w* up|blow\w* up|clos\w*(?: up)?|tight\w*|huge|massive|enormous)"
_AIRWAY = r"(?:lips?|tongues?|throats?|mouth)"
_LINKING = r"(?:is|are|has|have|got|getting|gets|keeps?|started|starting|just|all|really|so|very|now|still|feels?|looks?|gone|went|been|s|re|m)"
_BREATH = r"(?:breath\w*|swallow\w*)"
_UNABLE = r"(?:can ?not|can'?t|cant|could ?not|couldn'?t|unable to|struggl\w* to|hard to|trouble|difficult\w*|problems?|barely)"
_SKIN_REACTION = r"(?:redness|red|swelling|swollen|pain|painful|sore\w*|itch\w*|rash|burning|irritation|inflam\w*)"

EMERGENCY_PATTERNS = [
    # "my lips are swelling", "tongue swollen", "throat's closing up"
    rf"\b{_AIRWAY}\b(?:\W+{_LINKING})*\W+{_SWELL}",
    # "swelling in my throat", "swollen lips"
    rf"\b{_SWELL}\b(?:\W+\w+){{0,3}}?\W+{_AIRWAY}\b",
    # "my throat feels like it's closing"
    rf"\b{_AIRWAY}\b(?:\W+\w+){{0,2}}?\W+like (?:it'?s|its|it is) clos\w*",
    rf"\b{_UNABLE}\b(?:\W+\w+){{0,2}}?\W+{_BREATH}",
    rf"\b{_BREATH}\W+(?:is |feels |getting |so )*(?:difficult|hard|laboured|labored)",
    r"\bshort(?:ness)? of breath\b|\bwheez\w*|\bgasping\b|\banaphyla\w*",
    r"\b(?:faint(?:ed|ing)?|passed out|pass(?:ing)? out|blacked out|collaps\w*|lost consciousness|unconscious)\b",
    r"\b(?:seizure\w*|seizing|convuls\w*)\b|\b(?:having|had|has) a fit\b|\band fitting\b",
    r"^(?:(?:this is|it'?s|its) an )?emergency\W*$",
]

# Fever or confusion together with redness that spreads, in either order.
_FEVER = re.compile(r"\b(?:fever\w*|temperature|burning up|confus\w*)\b")
_SPREADING = re.compile(r"\b(?:spread\w*|growing|getting bigger)\b")

# Heart symptoms count only when they come on now or after the numbing cream, not as a known
# condition ("I have an irregular heartbeat" is a health note for the intake).
HEART_PATTERNS = [
    r"\b(?:heart|pulse|heartbeat|chest)\b(?:\W+\w+){0,3}?\W+(?:racing|pounding|thumping|hammering|irregular|erratic|"
    r"skipping|fluttering|going crazy|all over the place|out of rhythm|(?:beating|going) (?:so |really |very |super )?fast)",
    r"\b(?:racing|pounding|irregular) (?:heart|pulse|heartbeat)|\bpalpitations?\b",
]
_ACUTE = re.compile(r"\b(?:after|since|now|suddenly|started|cream|numbing|treatment|session|help)\b|!")

WORRYING_PATTERNS = [
    r"\bpus\b|\boozing\b|\bweeping\b",
    r"\b(?:honey|golden)\W?colou?r\w*|\b(?:yellow\w*|golden) (?:crust\w*|scab\w*|discharge|gunk|stuff)",
    r"\b(?:won'?t|wont|will not|doesn'?t|does not|hasn'?t|has not|can'?t|not) stop(?:ped)? bleeding",
    r"\bbleed\w*\b(?:\W+\w+){0,3}?\W+(?:won'?t|wont|will not|doesn'?t|does not|hasn'?t|has not|isn'?t|not)\W+stop",
    r"\b(?:keeps?|still|kept)(?: on)? bleeding|\bbleeding to stop\b",
    rf"\b{_SKIN_REACTION}\b(?:\W+\w+){{0,4}}?\W+(?:getting|got|gets|going|grown|growing|is|are) (?:\w+ )?worse\b",
    r"\b(?:getting|got|gets|going|grown|growing) (?:redder|more swollen|more painful|more inflamed)\b",
    rf"\bworsening\W+{_SKIN_REACTION}|\bworse and worse\b|\bworse (?:every|each) day\b",
    r"\bhurts? more (?:now|every|each)\b|\bredder than\b|\bmore swollen (?:now|than)\b|\bspreading again\b|\b(?:pain|swelling|redness|soreness)\W+(?:\w+\W+)?increasing\b",
    r"\b(?:redness|red area|red patch|rash)\b(?:\W+\w+){0,4}?\W+(?:spread\w*|keeps growing|getting bigger)",
    r"\b(?:hot|warm|burning hot) to (?:the )?touch\b|\b(?:skin|face|cheeks?|area|patch) (?:is |feels |feel |are )?(?:really |very |so )?hot\b",
    r"\b(?:warm|hot) and (?:throbbing|tender|sore|swollen)\b|\bthrobbing\b",
    r"\b(?:looks?|is|seems?|gone|got|getting) infected\b|\bthink (?:it'?s|its|my \w+ is) infected\b",
    r"\bblisters?\b|\bblistering\b",
    r"\bhives\b|\bwelts\b",
    r"\b(?:hard|firm|painful) (?:red )?(?:lumps|bumps|nodules)\b",
    r"\bdark (?:patch\w*|spots?|marks?)\b(?:\W+\w+){0,3}?\W+(?:appear\w*|show\w* up|coming up|came up|popp\w* up|develop\w*|form\w*)",
    r"\bgetting darker\b",
]

# A symptom mentioned as a question about what could happen, as a general topic or as history.
_NOT_NOW = re.compile(
    r"\b(?:can|could|does|do|will|would|might|may) (?:it|microneedling|micro needling|the treatment|"
    r"this|dermapen|that|needling)\b|\bcause[sd]?\b|\brisks?\b|\bchance\b|\bpossib\w*|\bwhat if\b|"
    r"\bin case\b|\bside effects?\b|\bhistory\b|\byears? ago\b|\bas a (?:kid|child|teen\w*)\b|"
    r"\bin the past\b|\bmonths? ago\b|\blast year\b|\bused to\b|\bwhen i was\b|\bever\b|\bepilep\w*|\bcold sores?\b|\bdiagnosed\b|"
    r"\bif (?:i|you|my|she|he|they|it|someone)\b|\bhow (?:often|common)\b|"
    r"\bcan (?:i|she|he|we) (?:still )?(?:have|get|do|book) (?:it|microneedling|the treatment|dermapen|a session|treatment|treated)\b"
)
# Screening answers mention allergies and old reactions ("yes, I get hives from plasters"); those
# are answers for the intake, not a reaction to the treatment happening now.
_PAST_OR_ALLERGY = re.compile(
    r"\ballerg\w*|(?<!las )\bonce\b(?! (?:dias|horas|semanas|minutos|meses)\b)|\bbefore\b|\blast time\b|\bsometimes\b|\busually\b|\bprone to\b|\bi get\b|\bi tend to\b"
)
_NEGATIONS = (
    r"not|never|without|don'?t|dont|didn'?t|didnt|isn'?t|isnt|aren'?t|arent|wasn'?t|wasnt|"
    r"haven'?t|havent|hasn'?t|hasnt|nothing like"
)
_NEGATED_BEFORE = re.compile(rf"\b(?:no|{_NEGATIONS})\b(?:\W+\w+){{0,2}}\W*$")
# The same English negations without "no" (a Spanish word too): Spanish patterns such as "pus" or
# "convuls" also match English text ("there isn't any pus").
_NEGATED_IN_ENGLISH = re.compile(rf"\b(?:{_NEGATIONS})\b(?:\W+\w+){{0,2}}\W*$")

# Spanish (Spain and Latin America), matched on the same text with its accents taken off
# (_normalise), so "hinchazón" and "hinchazon", "está" and "esta" are one word. A few words are
# kept out on purpose: "hincha" alone is also a football fan ("soy hincha de Boca"), "ampolla" is
# also a serum vial ("ampollas de vitamina C"), "cierra la boca" is rude, not a symptom, and
# "garganta inflamada" stays in because it cannot be told apart from a swelling throat.
_ES_AIRWAY = r"(?:labios?|lengua|gargantas?|boca)"
_ES_SWELL = r"(?:hinch\w*|inflam\w*|inflad\w*|enormes?|gigantes?|creciendo|como (?:un globo|globos))"
_ES_LINKING = (
    r"(?:se|me|le|te|nos|les|esta|estan|estoy|ha|han|he|muy|super|re|mas|todo|toda|todos|todas|ya|"
    r"cada|vez|como|empezado|empezando|empieza|empiezan|a|sigue|siguen|tan|bastante|demasiado|y|"
    r"poniendo|puesto|puso|quedado|quedando|hecho|hace|hacen|tengo|tiene|muchisimo|mucho)"
)
_ES_UNABLE = (
    r"(?:(?:casi |ya )?no (?:puedo|puede|podemos|pueden|consigo|consigue|logro|logra)|nopuedo|nopuede|ni (?:siquiera )?(?:puedo|puede)|"
    r"me cuesta|le cuesta|nos cuesta|cuesta(?: mucho| trabajo)?|dificultad(?:es)?(?: para| al)?|problemas? (?:para|al)|"
    r"apenas (?:puedo|puede)|"
    r"sin poder|dificil|me es imposible|imposible)"
)
_ES_BREATH = r"(?:respir\w*|trag\w*|coger aire|tomar aire|agarrar aire)"
_ES_SKIN_REACTION = (
    r"(?:rojez|enrojecimiento|rojo|roja|rojos|rojas|hinchazon|hinchad\w*|inflamaci\w*|inflamad\w*|dolor|duele|"
    r"escozor|picor|sarpullido|erupcion|irritaci\w*)"
)
_ES_WORSE_ADJ = r"roj\w*|hinchad\w*|inflamad\w*|doloros\w*|dolorid\w*|irritad\w*|calient\w*"
# "día 4", "al cuarto día", "5 días": redness or swelling that is worse days after the session
_ES_DAY_N = (
    r"(?:dia (?:[3-9]|1[0-4])|(?:tercer|cuarto|quinto|sexto|septimo|octavo) dia|"
    r"(?:[3-9]|tres|cuatro|cinco|seis|siete) dias)"
)
# A gap of a few words that is not itself a negation ("la rojez no va a peor" is not worse).
_ES_GAP = r"(?:\W+(?!no\b|ni\b|nunca\b|tampoco\b)\w+)"

SPANISH_EMERGENCY_PATTERNS = [
    # "tengo los labios hinchados", "la lengua se me está hinchando", "boca inflamada"
    rf"\b{_ES_AIRWAY}\b(?:\W+{_ES_LINKING})*\W+{_ES_SWELL}",
    # "se me hincha la lengua", "hinchazón en la garganta", "hinchados los labios"
    rf"\b(?:se (?:me |le |te |nos |les )?(?:\w+ )?(?:hinch|inflam)\w*|hinchad\w*|inflamad\w*|hinchando\w*|inflamando\w*)"
    rf"\W+(?:(?:la|los|las|el|mi|mis|su|sus|tu|tus|toda|todo|un|una|poco|mucho|muchisimo|bastante|tambien|y|cara|nariz|"
    rf"ojos|parpados|mejillas|menton|cuello)\W+){{0,4}}{_ES_AIRWAY}\b",
    rf"\b(?:hinchazon|inflamacion)\W+(?:de|en)\W+(?:(?:la|los|las|el|mi|mis|su|sus)\W+)?{_ES_AIRWAY}\b",
    # "se me cierra la garganta", "siento la garganta cerrada", "opresión en la garganta"
    rf"\bgargantas?\b(?:\W+{_ES_LINKING})*\W+(?:cerr\w*|cierr\w*|apretad\w*|oprimid\w*|tapad\w*)",
    r"\b(?:cierr\w*|cerr\w*|aprieta|aprietan|oprim\w*|opresion)\W+(?:(?:la|el|mi|en|de)\W+){0,2}gargantas?\b",
    # "no puedo respirar", "me cuesta tragar", "casi no puede respirar" (a repeated "no" is panic)
    rf"\b(?:no\W+(?=no\b))*{_ES_UNABLE}\b(?:\W+\w+){{0,2}}?\W+{_ES_BREATH}",
    r"\b(?:respirar|tragar)\W+(?:me |le |nos )?(?:cuesta|es (?:muy |super )?dificil|es imposible)",
    r"\bme ahog\w*|\bse (?:esta |me esta |le esta )?ahog\w*|\bahogando\b|\basfixi\w*|\bfalta (?:de )?(?:el )?aire\b|"
    r"\bme falta (?:el )?aire\b|\bsin aire\b|\bno me entra (?:el )?aire\b|\bfalta (?:la |de )?respiracion\b|"
    r"\bsin respiracion\b|\banafila\w*",
    # wheezing: "me pita el pecho", "silbidos al respirar", "sibilancias"
    r"\bsibilanc\w*|\b(?:pit|silb)(?:a|an|ando|idos?|os?)\b(?:\W+\w+){0,3}?\W+(?:pecho|respir\w*)|"
    r"\b(?:pecho|respir\w*)\b(?:\W+\w+){0,3}?\W+(?:pit|silb)(?:a|an|ando|idos?|os?)\b",
    # fainting: "me voy a desmayar", "se ha desmayado", "perdió el conocimiento", "lipotimia"
    r"\bdesmay\w*|\blipotimi\w*|\bperd\w* (?:el |la )?(?:conocimiento|sentido|consciencia|conciencia)\b|"
    r"\binconscientes?\b|\bse (?:ha |me ha |le ha )?desplom\w*|\bcayo redond[oa]\b|\bcaido redond[oa]\b",
    # seizures: "le está dando una convulsión", "ataque convulsivo"
    r"\bconvuls\w*|\b(?:ataque|crisis) convulsiv\w*",
    r"^\W*(?:(?:esto )?es una )?(?:emergencia|urgencia)\W*$",
]

_ES_FEVER = re.compile(
    r"\b(?:fiebre\w*|febril|temperatura alta|mucha temperatura|confus\w*|confundid\w*|desorientad\w*)\b"
)
_ES_SPREADING = re.compile(
    r"\b(?:extiend\w*|extendi\w*|expand\w*|propag\w*|crec\w*|agrand\w*|avanz\w*|(?:cada vez )?mas grande)\b"
)

SPANISH_HEART_PATTERNS = [
    r"\b(?:corazon|pulso|latidos?|pecho)\b(?:\W+\w+){0,3}?\W+(?:acelerad\w*|a mil|a cien|disparad\w*|desbocad\w*|"
    r"irregular\w*|(?:muy |super |demasiado |rarisimo |raro |tan )?rapid\w*|(?:muy |super )?fuerte|a saltos|da saltos|"
    r"da vuelcos|vuelcos|brincos|(?:como )?loco|se salta\w*|salta\w*|se para\w*|descontrolad\w*|a tope)",
    r"\b(?:taquicardi\w*|palpitacion\w*|arritmi\w*)\b|\b(?:se me|se le|se te) acelera (?:el )?(?:corazon|pulso)\b",
]
_ES_ACUTE = re.compile(
    r"\b(?:despues|desde|ahora|de repente|empez\w*|crema|anestesi\w*|tratamiento|sesion|ayuda|socorro|tras)\b|[!\u00a1]"
)

SPANISH_WORRYING_PATTERNS = [
    r"\bpus\b|\bsupur\w*|\bpurulent\w*|\bexud\w*|\brezum\w*|\b(?:sale|salen|suelta|sueltan|echa|echan) (?:un )?liquid\w*",
    r"\b(?:costr|postill|cascarit)\w*\b(?:\W+\w+){0,2}?\W+(?:amarill\w*|dorad\w*|(?:de |color |como )+miel|meliceric\w*)|"
    r"\b(?:colou?r|tono) miel\b|\bmeliceric\w*|\bamarill\w* (?:costr|postill|cascarit)\w*",
    # bleeding that will not stop: "no para de sangrar", "sigue sangrando", "la sangre no se corta"
    r"\b(?:no\W+(?=no\b))*no (?:me |le |te |nos )?(?:para|paran|deja|dejan|ha parado|han parado|ha dejado|acaba|termina|"
    r"para nunca|paraba|dejaba) de sangr\w*",
    r"\bsangr\w* (?:sin parar|y sangr\w*|todo el rato)\b|\bsangr\w* (?:\w+ )?y no (?:para|paran|se (?:para|corta|detiene))\b",
    r"\b(?:sigue|siguen|continua|continuan|sigo|seguia)(?: \w+)? sangrando\b",
    r"\b(?:sangrado|sangre|hemorragia|herida\w*)\b(?:\W+\w+){0,3}?\W+no (?:se )?(?:me |le )?(?:para|paran|detiene|corta|frena|"
    r"cortaba|paraba|ha parado|ha cortado|se corta)\b",
    r"\bno (?:consigo|puedo|logro|conseguimos|podemos|consigue) (?:parar|cortar|detener|frenar)\w* (?:\w+ )?(?:sangr\w*|hemorrag\w*)",
    # redness, swelling or pain that gets worse: "va a peor", "cada vez más hinchada", "empeora"
    rf"\b{_ES_SKIN_REACTION}\b{_ES_GAP}{{0,6}}?\W+(?:empeor\w*|(?:va|van|ha ido|han ido|esta yendo|sigue yendo|iba|fue) a (?:peor|mas))\b",
    rf"\b(?:empeor\w*|va a peor|van a peor)\b{_ES_GAP}{{0,3}}?\W+{_ES_SKIN_REACTION}\b",
    rf"\bcada (?:vez|dia)\b{_ES_GAP}{{0,3}}?\W+(?:peor|mas (?:{_ES_WORSE_ADJ})|(?:me |le )?duele mas)\b",
    rf"\bmas (?:{_ES_WORSE_ADJ})\b(?:\W+\w+){{0,3}}?\W+(?:cada (?:dia|vez)|{_ES_DAY_N})\b",
    rf"\b{_ES_DAY_N}\b{_ES_GAP}{{0,4}}?\W+(?:mas|peor) (?:{_ES_WORSE_ADJ})\b",
    r"\bvuelv\w* a (?:estar |ponerse |ponerme |ponerseme )?(?:hinch|inflam|roj|enrojec|doler)\w*|"
    r"\bse (?:me |le )?(?:ha |han )?vuelto a (?:hinchar|inflamar|poner roj|enrojecer)\w*",
    r"\bmas (?:roj\w*|hinchad\w*|inflamad\w*|doloros\w*|dolorid\w*|irritad\w*) (?:que (?:ayer|antes|anteayer|al principio|el primer dia|el otro dia)|cada dia|hoy que)\b",
    r"\b(?:me |le )?duele (?:mas|todavia mas|aun mas|mucho mas) (?:que (?:ayer|antes|anteayer|al principio|el primer dia|el otro dia)|cada|ahora|hoy)\b|\bpeor que ayer\b|\bpeor (?:cada|todos los) dias?\b",
    rf"\b(?:dolor|hinchazon|rojez|enrojecimiento|inflamacion|molestias?)\b{_ES_GAP}{{0,2}}?\W+(?:aumenta\w*|va en aumento|crece\w*|se intensifica\w*)\b",
    rf"\b(?:rojez|enrojecimiento|zona roja|parte roja|lo rojo|mancha roja|sarpullido|erupcion)\b{_ES_GAP}{{0,4}}?\W+(?:se (?:\w+ )?(?:extiend|expand|propag|agrand)\w*|extendiendo\w*|expandiendo\w*|crece\w*|creciendo)",
    # warmth: "caliente al tacto", "tengo la zona muy caliente", "caliente y palpitando"
    r"\bcalientes? al (?:tacto|tocar\w*)\b|\b(?:piel|cara|mejillas?|zona|parte|frente|barbilla|menton|pomulos?)\b"
    r"(?: (?:la|me|se|le|lo|esta|estan|tengo|tiene|noto|siento|sigue|muy|super|bastante|mas|re|toda|todo|un|poco|y|"
    r"late|palpita|arde|quema|duele))* calientes?\b",
    r"\bcalientes? y (?:palpit\w*|hinchad\w*|dolorid\w*|sensible\w*|duele\w*)|\bpalpita(?:n|ndo)?\b|\bpulsatil\b",
    r"\b(?:esta|estan|parece|parecen|ha|han|tiene pinta de|tiene pinta de estar|como) (?:\w+ )?infectad\w*|"
    r"\bse (?:me |le )?(?:ha |han |esta |estan )?infect\w*",
    # blisters, but not serum vials ("ampollas de vitamina C", "ampollas flash")
    r"\b(?:ampoll\w*|vesiculas)\b(?!\W+(?:de|con|y)\W+(?:vit\w*|acid\w*|colag\w*|hialur\w*|retin\w*|serum|sueros?|peptid\w*|niacinam\w*|belleza|efecto|proteinas?|glicolico|cosmetic\w*)|\W+flash|\W+(?:antiarrugas|hidratantes?|reafirmantes?))",
    r"\burticaria\b|\bronchas?\b|\bhabones?\b",
    r"\b(?:bult\w*|nodul\w*|bolit\w*|pelotit\w*)\b(?:\W+\w+){0,2}?\W+(?:dur[oa]s?|durit[oa]s?|firmes?|rojos? y dur\w*|rojas? y dur\w*)\b|\b(?:dur[oa]s?|firmes?) (?:bult|nodul|bolit)\w*",
    # dark patches appearing: "me están saliendo manchas oscuras", "se me oscurece la piel"
    r"\bmanch\w* (?:\w+ )?(?:oscur\w*|marron\w*|negr\w*|cafe\w*)\b(?:\W+\w+){0,3}?\W+(?:aparec|sal|form|surg|brot)\w*|"
    r"\b(?:aparec|salid|salen|saliendo|salieron|salio|formad|formando|surgid|brotad)\w*\b(?:\W+\w+){0,3}?\W+manch\w* (?:\w+ )?(?:oscur|marron|negr|cafe)\w*",
    r"\bse (?:me|le|te) (?:esta |estan |ha |han )?oscurec\w*|\boscureciendo\b|\bcada vez mas oscur\w*|"
    r"\bponiendo(?:se)? (?:mas |muy )?oscur\w*",
]

# Questions about what could happen, general topics and history, in Spanish. A bare "si" is not
# one of them: people write "sí" as "si", and "si me sale pus" is often "yes, pus is coming out".
_ES_NOT_NOW = re.compile(
    r"\b(?:me |te |le |se |nos |les |se me |se le |se te )?(?:puede|pueden|podria|podrian|suele|suelen)\b(?:\W+\w+){0,2}?\W+"
    r"(?:causar|provocar|producir|dar|salir|aparecer|pasar|hinchar\w*|infect\w*|empeorar|oscurecer|manchar|sangrar|quedar|"
    r"dejar|generar|tener|ocurrir|sentir|notar)\b|"
    r"\b(?:causar|provocar|producir)\b|\briesgos?\b|\b(?:es|sera|seria) posible\b|\bposibles\b|\bposibilidad\w*|\bprobabilidad\w*|\befectos? (?:secundarios?|adversos?)\b|"
    r"\bcontraindica\w*|\by si\b(?!,)|\bque pasa si\b|\bpor si\b|\ben caso de\b|"
    r"\bsi (?:me |se me |le |se le |te |se te |nos )?(?:llegara|llegase|llego a|llega a|tuviera|tuviese|saliera|saliese|"
    r"pasara|pasase|hinchara|hinchase|hincharan|infectara|infectase|diera|diese|sangrara|empeorara|apareciera|notara|viera)\b|"
    r"\bhace (?:\w+ )?(?:anos|meses)\b|\bel ano pasado\b|\bde (?:pequen[oa]|nin[oa]|chic[oa]|joven|adolescente|chiquit[oa]|cri[ao])\b|"
    r"\bcuando (?:era|tenia|estaba embarazada)\b|\ben el pasado\b|\bantes (?:tenia|me pasaba|solia)\b|\bsolia\b|\balguna vez\b|"
    r"\bhistorial\b|\bantecedentes\b|\bdiagnostic\w*|\bherpes\b|\bcalenturas?\b|\bpupas?\b|"
    r"\bcon que frecuencia\b|\bque tan (?:comun|frecuente|normal)\b|\bes (?:comun|frecuente|habitual) que\b|\bcada cuanto\b|"
    r"\bpuedo (?:igual |aun |todavia |seguir |entonces )?(?:hacerme\w*|hacermelo|tratarme|reservar|pedir cita|someterme|"
    r"ponerme el tratamiento)\b"
)
_ES_PAST_OR_ALLERGY = re.compile(
    r"\balerg\w*|\buna vez\b|(?<!que )\bantes\b(?! de ?ayer| ayer)|\bla (?:ultima|otra) vez\b|\ba veces\b|\bde vez en cuando\b|"
    r"\bnormalmente\b|\bsuel(?:o|e|en)\b|\bme suelen?\b|\bpropens\w*|\btendencia\b|\bsiempre que\b|\bcada vez que\b|"
    r"\bcronic\w*|\bcon (?:los anos|la edad)\b|\bdesde siempre\b|\bde toda la vida\b|\bde nacimiento\b"
)
# A negation a few words back, with only spaces between ("no, no puedo respirar" and "no sé, me
# sale pus" are not negations), where "no sé por qué / qué / si" and "no para de" are not either.
_ES_NEGATED_BEFORE = re.compile(
    r"\b(?:no(?! se (?:por|que|si|como|lo|bien|donde|cuando)\b)(?! (?:para|paran|deja|dejan) de\b)|ni|nunca|jamas|sin|tampoco|nada de|ningun\w*)"
    r"(?: [\w']+){0,3} ?$"
)

_EMERGENCY = [re.compile(p) for p in EMERGENCY_PATTERNS]
_HEART = [re.compile(p) for p in HEART_PATTERNS]
_WORRYING = [re.compile(p) for p in WORRYING_PATTERNS]
_ES_EMERGENCY = [re.compile(p) for p in SPANISH_EMERGENCY_PATTERNS]
_ES_HEART = [re.compile(p) for p in SPANISH_HEART_PATTERNS]
_ES_WORRYING = [re.compile(p) for p in SPANISH_WORRYING_PATTERNS]


def _normalise(text: str) -> str:
    text = text.lower().replace("\u2019", "'")
    # accents off, so one Spanish pattern reads "hinchazón" and "hinchazon" (and "ñ" as "n")
    text = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", text).strip()


def _found(
    patterns: list[re.Pattern[str]], text: str, negations: tuple[re.Pattern[str], ...] = (_NEGATED_BEFORE,)
) -> bool:
    for pattern in patterns:
        for match in pattern.finditer(text):
            # a negation is at most a few words back: look no further (long messages stay cheap)
            before = text[max(0, match.start() - 60) : match.start()]
            if not any(negated.search(before) for negated in negations):
                return True
    return False


def _found_in_either(english: list[re.Pattern[str]], spanish: list[re.Pattern[str]], text: str) -> bool:
    return _found(english, text) or _found(spanish, text, (_ES_NEGATED_BEFORE, _NEGATED_IN_ENGLISH))


def red_flag_in(text: Optional[str]) -> Optional[str]:
    """The red-flag intent a message describes (emergency first), or None."""
    if not text or text.startswith("/"):
        return None  # empty, or a button payload
    normalised = _normalise(text)
    if _NOT_NOW.search(normalised) or _ES_NOT_NOW.search(normalised):
        return None
    acute = _ACUTE.search(normalised) or _ES_ACUTE.search(normalised)
    if (
        _found_in_either(_EMERGENCY, _ES_EMERGENCY, normalised)
        or (acute and _found_in_either(_HEART, _ES_HEART, normalised))
        or (
            _found_in_either([_FEVER], [_ES_FEVER], normalised)
            and _found_in_either([_SPREADING], [_ES_SPREADING], normalised)
        )
    ):
        return EMERGENCY
    if (
        _found_in_either(_WORRYING, _ES_WORRYING, normalised)
        and not _PAST_OR_ALLERGY.search(normalised)
        and not _ES_PAST_OR_ALLERGY.search(normalised)
    ):
        return WORRYING
    return None
