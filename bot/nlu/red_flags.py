"""Red-flag symptoms found by fixed patterns, as a safety net under the trained classifier.

The trained NLU model recognises red flags from examples, but a model can always miss a wording it
has not seen, and a missed emergency is the worst mistake this assistant can make. These patterns
follow the red-flag list of shared/DOMAIN.md and only match someone describing a symptom they (or
someone with them) have now: a message that is negated ("no trouble breathing"), hypothetical or
general ("can it make my lips swell?") or about the past ("I had a seizure as a child") is left to
the model. When in doubt a pattern errs towards safety.

Pure Python with no Rasa import, so the action server and the tests can use it too; the Rasa
pipeline uses it through bot.nlu.red_flag_classifier.
"""

from __future__ import annotations

import re
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
    r"\ballerg\w*|\bonce\b|\bbefore\b|\blast time\b|\bsometimes\b|\busually\b|\bprone to\b|\bi get\b|\bi tend to\b"
)
_NEGATED_BEFORE = re.compile(
    r"\b(?:no|not|never|without|don'?t|dont|didn'?t|didnt|isn'?t|isnt|aren'?t|arent|wasn'?t|wasnt|"
    r"haven'?t|havent|hasn'?t|hasnt|nothing like)\b(?:\W+\w+){0,2}\W*$"
)

_EMERGENCY = [re.compile(p) for p in EMERGENCY_PATTERNS]
_HEART = [re.compile(p) for p in HEART_PATTERNS]
_WORRYING = [re.compile(p) for p in WORRYING_PATTERNS]


def _normalise(text: str) -> str:
    text = text.lower().replace("\u2019", "'")
    return re.sub(r"\s+", " ", text).strip()


def _found(patterns: list[re.Pattern[str]], text: str) -> bool:
    for pattern in patterns:
        for match in pattern.finditer(text):
            # a negation is at most a few words back: look no further (long messages stay cheap)
            if not _NEGATED_BEFORE.search(text[max(0, match.start() - 60) : match.start()]):
                return True
    return False


def red_flag_in(text: Optional[str]) -> Optional[str]:
    """The red-flag intent a message describes (emergency first), or None."""
    if not text or text.startswith("/"):
        return None  # empty, or a button payload
    normalised = _normalise(text)
    if _NOT_NOW.search(normalised):
        return None
    if (
        _found(_EMERGENCY, normalised)
        or (_ACUTE.search(normalised) and _found(_HEART, normalised))
        or (_found([_FEVER], normalised) and _found([_SPREADING], normalised))
    ):
        return EMERGENCY
    if _found(_WORRYING, normalised) and not _PAST_OR_ALLERGY.search(normalised):
        return WORRYING
    return None
