"""The conversation's language, English or Spanish: the one home of the idea.

The widget relay and the Telegram bridge put `metadata["language"]` on every message they send to
Rasa: `conversation_language(text, hint)`, the language the message is written in when that is
clear, else the page's language or the Telegram user's (`hint`), else English. The action server
sets the slot `language` from the first message of a conversation (actions/session.py), and the
conversation keeps it until the patient asks for the other one (actions/language.py).

`detect` reads short chat messages offline, by rules, in microseconds: letters and marks only
Spanish has (ñ, á, ¿, ...), an apostrophe inside a word (English), and frequent words of each
language, each weighing 1 or 2. It answers only when one language has at least 2 points and at
least twice the other's; a greeting such as "hi" alone (1 point) leaves the choice to the hint.
scripts/eval_language.py measures it against lingua-language-detector on held-out messages (the
figures and the choice: docs/language.md).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

ENGLISH, SPANISH = "en", "es"
LANGUAGES = (ENGLISH, SPANISH)
DEFAULT_LANGUAGE = ENGLISH
# How staff read a conversation's language (dashboard, staff notices); exports give the code.
LANGUAGE_LABELS = {ENGLISH: "English", SPANISH: "Español"}

# A language tag as pages and Telegram give it: "es", "es-ES", "es_419", "en-GB", "pt-BR".
_TAG = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8}){0,3}")
MAX_TAG_CHARS = 35

CONFIDENT = 2  # points the detected language needs, and at least twice the other's
_SPANISH_LETTERS = frozenset("ñáéíóúü")
_SPANISH_MARKS = frozenset("¿¡")
_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*|[¿¡]")


def _words(weighted: dict[int, str]) -> dict[str, int]:
    table: dict[str, int] = {}
    for weight, words in weighted.items():
        for word in words.split():
            table[word] = weight
    return table


# Frequent words, minus those both languages write the same way ("a", "me", "no", "son", "once",
# "sin", "ten", "van", "era", "solo", "real", "normal", "doctor", "email", "whatsapp", names of
# treatments). Weight 1: short or also seen in the other language's messages (loanwords, names).
_SPANISH_WORDS = _words(
    {
        1: "de la el y en los las un uno se con del al lo le mi tu te si es ya su sus nos les hay mas o "
        "ha unos unas muy",
        2: "que qué por para porque pero también sobre entre donde dónde cuando cuándo como cómo cual cuál "
        "cuanto cuánto cuanta cuánta cuantos cuántos cuantas cuántas quien quién una este esta está esto "
        "eso ese esa estos estas están estoy estar ser soy eres somos fue hacer hace hacen hago "
        "hacerlo tengo tiene tienen tenemos tener puedo puede pueden podría podéis poder quiero quiere "
        "quisiera gustaría necesito necesita sé saber sabe creo dime dígame decir digo ver veo "
        "hola gracias adiós adios chao luego hasta vale claro perfecto acuerdo bueno buena buenos buenas "
        "bien mal mejor peor mucho mucha muchos muchas muchísimo poco nada algo alguno alguna algún "
        "ninguno ninguna ningún todo toda todos todas otro otra otros otras mismo siempre nunca todavía "
        "ahora antes después luego ayer hoy mañana mañanas tarde tardes noche noches día días dia dias "
        "semana semanas mes meses año años vez veces cada aquí ahí allí usted ustedes vosotros ellos "
        "ellas nosotros yo tú él ella mío mía favor pregunta preguntas consulta cita citas reservar "
        "pedir llamar llamadme llámame llamen llamada teléfono telefono móvil movil correo dirección "
        "direccion horario abren abierto cerrado precio precios cuesta cuestan descuento "
        "bono sesión sesion sesiones tratamiento tratamientos resultados recuperación recuperacion "
        "cuidados duele dolor doloroso molesta piel cara cuello frente nariz mejillas ojos ojeras "
        "barriga cicatriz cicatrices acné arrugas manchas estrías estrias poros embarazada embarazo "
        "pecho lactancia alergia alérgica alérgico medicamento medicamentos pastillas anticoagulantes "
        "fiebre hinchada hinchado hinchazón sangra sangrado pica picor ampollas respirar roja rojo "
        "rojez granos zona tratada siento sigo salieron ayuda ayúdame necesito hablar persona humano "
        "borrar borra datos nombre llamo apellido nací edad acepto confirmo enviar envíalo envialo "
        "cancelar parar para empezar nuevo cambiar cambia correcto español espanol castellano inglés "
        "ingles hablas hablo habla entiendo perdona perdón disculpa lunes martes miércoles miercoles "
        "jueves viernes sábado sábados sabado sabados domingo domingos enero febrero marzo abril mayo "
        "junio julio agosto septiembre octubre noviembre diciembre primera primero segunda segundo "
        "tercera tercero última funciona sirve ayudaría dura queda quedó maquillarme maquillaje "
        "trabajar tomar tomo sol efectos secundarios seguro segura oscura hombres mujeres aparato crema "
        "anestesia anestésica mejorar quitar quitarme boda guapa hermana amiga genial pensaré entonces "
        "estaría podría sería hacéis tenéis dais quizás quizá tal señor señora",
    }
)
_ENGLISH_WORDS = _words(
    {
        1: "i it is to of in on or at by if so be am do an hi hey start stop bye one red okay",
        2: "the and what what's how does did can could will would should shall much many long with "
        "for from about you your yours my mine our we they them their this that these those there "
        "here when where who why which not have has had having get got need want like know think "
        "just also really very still only been are was were being some any anything something "
        "nothing none all every after before then again yes yeah yep yup nope please thanks thank "
        "hello hiya morning afternoon evening night day days week weeks month months year years ago "
        "today tomorrow tonight weekday weekdays weekend monday tuesday wednesday thursday friday "
        "saturday saturdays sunday sundays mornings evenings afternoons skin face neck forehead nose "
        "cheeks cheek eyes chin scars scar marks stretch lines wrinkles pores spots pigmentation "
        "hurt hurts painful pain sore numbing cream recovery downtime heal healing results result "
        "treatment treatments session sessions course price prices cost costs much pay discount "
        "book booking appointment consultation call callback phone number mobile address open hours "
        "where's located clinic staff person human talk speak someone delete data name called born "
        "birth age old confirm send skip cancel change wrong correct help over sure maybe unsure "
        "agree pregnant breastfeeding blood thinners medication medicine tablets allergic allergy "
        "fever swelling swollen bleeding itchy blisters pus breathe breathing worse better feel "
        "feeling safe side effects english spanish language take taking took still make makeup "
        "work go going come back first second third last next good great fine well bad thing "
        "things time times way any question questions ask tell show see look looks better "
        "should isn't don't can't won't i'm i've it's that's",
    }
)


def _plain(word: str) -> str:
    """The word without accents: "cuánto" and "cuanto" are the same evidence (people type both)."""
    return "".join(ch for ch in unicodedata.normalize("NFD", word) if not unicodedata.combining(ch))


# Both spellings of every Spanish word; the list's own weight wins over the unaccented one's.
_SPANISH_WORDS = {**{_plain(w): n for w, n in _SPANISH_WORDS.items()}, **_SPANISH_WORDS}


def _points(text: str) -> tuple[int, int]:
    """(Spanish, English) evidence in `text`."""
    spanish = english = 0
    marks_counted = False
    tokens = _TOKEN.findall(text)
    for position, token in enumerate(tokens):
        if token in _SPANISH_MARKS:
            if not marks_counted:  # "¿...?" is one piece of evidence, however many there are
                spanish += 2
                marks_counted = True
            continue
        word = token.lower().replace("’", "'")
        spanish_letters = any(ch in _SPANISH_LETTERS for ch in word)
        # A capitalised word inside a sentence is likely a name (José, Pérez): weaker evidence.
        name = position > 0 and token[:1].isupper()
        in_spanish = _SPANISH_WORDS.get(word) or _SPANISH_WORDS.get(_plain(word), 0)
        if spanish_letters:
            in_spanish = max(in_spanish, 1 if name else 2)
        in_english = _ENGLISH_WORDS.get(word, 0)
        if not in_english and "'" in word and not spanish_letters:
            in_english = 2  # "what's", "I'd", "isn't": Spanish has no apostrophes in words
        spanish += in_spanish
        english += in_english
    return spanish, english


def detect(text: str) -> str | None:
    """ "en" or "es" when a chat message is clearly in that language, else None (a name, a number,
    "ok", "no", a button's intent payload such as "/greet", or too few words to tell)."""
    if not isinstance(text, str) or not text.strip() or text.lstrip().startswith("/"):
        return None
    spanish, english = _points(text)
    best = max(spanish, english)
    if best < CONFIDENT or min(spanish, english) * 2 > best:
        return None
    return SPANISH if spanish > english else ENGLISH


def language_of_hint(hint: Any) -> str | None:
    """A page's lang or a Telegram user's language_code as one of ours: "es", "es-ES", "es_419" ->
    "es"; any other tag -> "en"; no tag, or not a tag -> None."""
    if not isinstance(hint, str) or len(hint) > MAX_TAG_CHARS or not _TAG.fullmatch(hint.strip()):
        return None
    primary = re.split(r"[-_]", hint.strip(), maxsplit=1)[0].lower()
    return SPANISH if primary == SPANISH else ENGLISH


def checked_language(language: str) -> str:
    """`language` when it is one of LANGUAGES; ValueError otherwise (a slot mix-up, not a patient's words)."""
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, got {language!r}")
    return language


def valid_language(value: Any) -> str:
    """One of LANGUAGES: `value` when it is one, else the default (a slot, a metadata field)."""
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def conversation_language(text: str, hint: Any = None) -> str:
    """The language for a message: the one it is clearly written in, else the hint's, else English."""
    return detect(text) or language_of_hint(hint) or DEFAULT_LANGUAGE


_NAMES = {
    SPANISH: re.compile(r"\b(?:espa[nñ]ol|spanish|castellano)\b", re.IGNORECASE),
    ENGLISH: re.compile(r"\b(?:ingl[eé]s|english)\b", re.IGNORECASE),
}
# "no hablo inglés", "I don't speak Spanish", "not in English": the language named is not wanted.
_NEGATION = re.compile(r"\b(?:no|not|don'?t|can'?t|cannot|ni)\b(?:\W+\w+){0,2}\W*$", re.IGNORECASE)


def other_language(language: str) -> str:
    return ENGLISH if language == SPANISH else SPANISH


def languages_asked_for(text: str) -> set[str]:
    """The languages a message asks for by name ("en español", "english please"); a language named
    after a negation asks for the other one ("no hablo inglés")."""
    wanted: set[str] = set()
    for language, name in _NAMES.items():
        for match in name.finditer(text or ""):
            negated = _NEGATION.search(text[: match.start()])
            wanted.add(other_language(language) if negated else language)
    return wanted


def metadata_language(metadata: Any) -> str:
    """The language our bridges put in a message's metadata; English when there is none."""
    return valid_language(metadata.get("language") if isinstance(metadata, dict) else None)
