"""Reads a patient's free-text reply to one screening question.

`read_yes_no` understands the many ways people say yes, no or "I'm not sure", in English and in
Spanish, with or without accents (patients mix them, so there is no language to choose); `answer_rule` adds
the rule's terms as `TermReader` found them (naming a medicine or condition counts as yes unless
negated). An unsure answer is an answer: it is kept in the patient's words and counts as at least
`review`, because a guessed "no" would read as eligible. Only what cannot be read at all gives
None, so the form can ask again kindly instead of guessing.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.intake.text import normalise_free_text, without_accents
from bot.screening.rules import Level, Rule

ANSWER_MAX_LEN = 500
# Only the start of a reply decides yes or no; this keeps the parsing fast on pasted essays.
_PARSE_WINDOW = 1000

_YES_EMOJI = set("👍👌✅✔☑🙋👏")
_NO_EMOJI = set("👎❌✖🚫⛔🙅❎")

_UNSURE = re.compile(
    r"\b(not (?:really |too |quite |very )?sure|unsure|not certain|uncertain|(?:do ?n[o']?t|dont) know|"
    r"do not know|idk|dunno|no idea|maybe|perhaps|possibly|might (?:be|have)|could be|can'?t remember|"
    r"cannot remember|(?:do ?n[o']?t|dont) remember|not sure|can'?t say|hard to say|no clue|"
    # Spanish, read without accents: "no estoy segura", "no sé", "ni idea", "quizás", "no me acuerdo".
    r"no (?:estoy|toy) (?:muy |del todo |tan |completamente )?segur[oa]s?|no (?:lo )?se(?! (?:me|te|le|les|nos|"
    r"os|lo|la|los|las|puede)\b)|ni idea|no tengo (?:ni )?idea|quizas?|tal vez|a lo mejor|puede ser|puede que|"
    r"no (?:me )?acuerdo|no (?:lo )?recuerdo|no sabria|no (?:lo )?tengo claro|lo dudo|dudando|"
    r"tengo (?:mis |algunas |muchas )?dudas|posiblemente|"
    r"probablemente)\b"
)
# Hedges that make the whole reply unsure when it starts with them, whatever follows: "I think
# so" and "I don't think so" are guesses (shared/DOMAIN.md: "creo que sí", "creo que no").
_UNSURE_START = (
    "i think so",
    "i think",
    "think so",
    "i don't think so",
    "i dont think so",
    "don't think so",
    "dont think so",
    "i do not think so",
    "i believe so",
    "i believe",
    "probably",
    "probably not",
    "i guess",
    "i suppose",
    "possibly",
    "maybe",
    "perhaps",
    "not that i know",
    "not that i'm aware",
    "not that im aware",
    "not as far as i know",
    "i'm not sure",
    "im not sure",
    "i am not sure",
    "not sure",
    "no idea",
    "i have no idea",
    "i'm unsure",
    "im unsure",
    "unsure",
    "kind of",
    "sort of",
    "kinda",
    "sorta",
    # Spanish: "creo que no" is read exactly as "I don't think so" is: unsure, never a clean no.
    "creo",
    "yo creo",
    "creo que si",
    "creo que no",
    "me parece",
    "supongo",
    "probablemente",
    "posiblemente",
    "quizas",
    "quiza",
    "tal vez",
    "a lo mejor",
    "puede ser",
    "puede que",
    "no que yo sepa",
    "que yo sepa",
    "ni idea",
    "mas o menos",
)
# Checked before the yes phrases, so "absolutely not" and "i'm not" are read as no.
_NO_START = (
    "no",
    "n",
    "nope",
    "nah",
    "naw",
    "never",
    "none",
    "nothing",
    "negative",
    "neither",
    "deny",
    "not at all",
    "not really",
    "not me",
    "not now",
    "not currently",
    "not anymore",
    "not any more",
    "no longer",
    "absolutely not",
    "definitely not",
    "certainly not",
    "of course not",
    "of course no",
    "i don't think so",
    "don't think so",
    "dont think so",
    "i dont think so",
    "not that i know",
    "i do not",
    "i don't",
    "i dont",
    "i'm not",
    "im not",
    "i am not",
    "i haven't",
    "i havent",
    "i have not",
    "i didn't",
    "i didnt",
    "i did not",
    "i've never",
    "ive never",
    "i have never",
    "i never",
    "i wasn't",
    "i was not",
    "not",
    "nein",
    "non",
    # Spanish (read without accents).
    "nop",
    "nel",
    "nunca",
    "jamas",
    "nada",
    "ninguno",
    "ninguna",
    "ningun",
    "para nada",
    "de ninguna manera",
    "claro que no",
    "por supuesto que no",
    "que va",
    "tampoco",
    "sin",
    "ya no",
    "ahora no",
    "ahora mismo no",
    "de momento no",
    "por ahora no",
    "hoy no",
    "actualmente no",
    "todavia no",
    "aun no",
)
_YES_START = (
    "yes",
    "y",
    "yep",
    "yup",
    "yeah",
    "yea",
    "ya",
    "yah",
    "yes please",
    "aye",
    "affirm",
    "sure",
    "correct",
    "right",
    "affirmative",
    "definitely",
    "absolutely",
    "of course",
    "indeed",
    "certainly",
    "i do",
    "i am",
    "i'm",
    "im",
    "i have",
    "i've",
    "ive",
    "i did",
    "i take",
    "i use",
    "i get",
    "i had",
    "i think so",
    "i believe so",
    "probably",
    "only",
    "just",
    "a bit",
    "a little",
    "sometimes",
    "occasionally",
    "currently",
    "true",
    "si",
    "oui",
    "ja",
    "i still",
    "still",
    "i'm on it",
    "im on it",
    "on it",
    "i'm taking it",
    "im taking it",
    "i got",
    "got",
    "i was",
    "i've had",
    "ive had",
    "had",
    "once",
    "twice",
    "a few times",
    "every",
    "now and then",
    "from time to time",
    "recently",
    # Spanish (read without accents; "si" that starts "si me dice..." is an "if", see read_yes_no).
    "sip",
    "sep",
    "claro",
    "claro que si",
    "por supuesto",
    "desde luego",
    "vale",
    "de acuerdo",
    "acepto",
    "afirmativo",
    "exacto",
    "efectivamente",
    "cierto",
    "asi es",
    "eso es",
    "obvio",
    "aja",
    "tengo",
    "tomo",
    "uso",
    "estoy",
    "lo tomo",
    "la tomo",
    "los tomo",
    "las tomo",
    "lo uso",
    "la uso",
    "lo tengo",
    "la tengo",
    "lo tuve",
    "lo tome",
    "la tome",
    "he tenido",
    "he tomado",
    "lo he tenido",
    "lo he tomado",
    "me he",
    "me hice",
    "me lo hice",
    "me han",
    "me puse",
    "me pusieron",
    "me sale",
    "me salen",
    "me pasa",
    "tuve",
    "tome",
    "estuve",
    "sigo",
    "todavia",
    "aun",
    "un poco",
    "algo",
    "a veces",
    "de vez en cuando",
    "alguna vez",
    "una vez",
    "dos veces",
    "varias veces",
    "solo",
    "solamente",
    "recientemente",
    "actualmente",
    "ahora",
)
# The plainest words of all: a reply that starts with one of these has answered, whatever detail
# follows ("yes, I get one maybe once a year").
_PLAIN_YES = ("yes", "y", "yep", "yup", "yeah", "yea", "ya", "yah", "aye", "correct", "si", "sip")
_FIRST_PERSON = frozenset(p for p in _YES_START if p.split()[0] in ("i", "i'm", "im", "i've", "ive"))
_NEGATING_WORDS = frozenset({"no", "none", "not", "never", "nothing", "neither", "nope"})
# Pleasantries that are not an answer to a health question ("I'm good" can mean "no thanks").
_AMBIGUOUS_START = (
    "i'm fine",
    "im fine",
    "i am fine",
    "i'm good",
    "im good",
    "i am good",
    "i'm ok",
    "im ok",
    "i am ok",
    "i'm okay",
    "im okay",
    "i'm alright",
    "im alright",
    "all good",
    "fine",
    "ok",
    "okay",
    "good",
    "k",
    "estoy bien",
    "todo bien",
    "bien",
    "bueno",
    "okey",
    "oki",
)
# Words that only open a reply ("pues sí", "bueno, no"): the answer is what follows them.
_FILLERS = re.compile(r"^(?:(?:pues|bueno|a ver|vamos a ver|mmm*|hmm*|eh+|ah+|oh+)\s+)+(?=\w)")
# Unaccented "si" before these is an "if" ("si me explica...", "si es necesario"), not a yes.
_IF_NOT_YES = re.compile(
    r"^si (?:me|te|se|le|les|lo|la|los|las|nos|es|son|fuera|fuese|hay|hace|puedo|puede|pudiera|quiere|no)\b"
)


def normalise_reply(text: str) -> str:
    lowered = text[:_PARSE_WINDOW].lower().replace("’", "'").replace("‘", "'").replace("`", "'")
    lowered = re.sub(r"[^\w\s']", " ", lowered)
    return " ".join(lowered.split())


def _starts_with(text: str, phrases: tuple[str, ...]) -> bool:
    return any(text == phrase or text.startswith(phrase + " ") for phrase in phrases)


def _emoji_answer(text: str) -> bool | None:
    yes = any(ch in _YES_EMOJI for ch in text)
    no = any(ch in _NO_EMOJI for ch in text)
    return None if yes == no else yes


class YesNo(enum.Enum):
    YES = "yes"
    NO = "no"
    UNSURE = "unsure"


def read_yes_no(text: object) -> YesNo | None:
    """What a reply says to a yes/no question; None when it cannot be read at all."""
    if not isinstance(text, str):
        return None
    window = text[:_PARSE_WINDOW].strip()
    if window.startswith("/"):  # Rasa intent payloads from buttons, e.g. /affirm or /deny
        window = window[1:].split("{", 1)[0].replace("_", " ")
    normalised = _FILLERS.sub("", without_accents(normalise_reply(window)))
    if not re.search(r"[a-z]", normalised):
        emoji = _emoji_answer(window)
        return None if emoji is None else (YesNo.YES if emoji else YesNo.NO)
    if _IF_NOT_YES.match(normalised) and not re.match(r"\W*(?:sí|si[^\w\s])", _FILLERS.sub("", window.lower())):
        return None  # "si me lo explica antes...": a condition, not an answer
    if _starts_with(normalised, ("ya no",)):
        return YesNo.NO  # "ya" alone is a yes ("yeah"), "ya no" is "not any more"
    if _starts_with(normalised, _UNSURE_START):
        return YesNo.UNSURE
    if _starts_with(normalised, _PLAIN_YES):
        return YesNo.YES  # a yes with a hedge in its detail is still a yes (and the cautious reading)
    hedged = bool(_UNSURE.search(normalised))
    if hedged:
        return YesNo.UNSURE  # "no, not sure" must not read as a clean no
    if _starts_with(normalised, _AMBIGUOUS_START):
        return None
    if _starts_with(normalised, _NO_START):
        return YesNo.NO
    for phrase in _YES_START:
        if normalised == phrase or normalised.startswith(phrase + " "):
            # "I have none", "I'm never ..." : a first-person start followed straight by a negation.
            following = normalised[len(phrase) :].split()[:1]
            if phrase in _FIRST_PERSON and following and following[0] in _NEGATING_WORDS:
                return YesNo.NO
            return YesNo.YES
    return None


def interpret_yes_no(text: object) -> bool | None:
    """True for yes, False for no, None when unsure or unreadable: for questions that need a clear
    answer (consent), where the form asks again."""
    reading = read_yes_no(text)
    return None if reading in (None, YesNo.UNSURE) else reading is YesNo.YES


# Words saying something was taken or had and has stopped ("not any more", "ya no lo tomo", "lo dejé
# hace un año"), matched without accents. To a question about now that is a no; to one that asks
# about the past as well (`Rule.asks_about_past`: ever taken isotretinoin?) it is a yes to be timed.
STOPPED = re.compile(
    r"\b(?:no longer|any ?more|stopped|quit|came off|come off|used to|gave up|given up|finished|"
    r"ya no|(?:lo|la|los|las) (?:he )?deje|deje (?:de|el|la|los|las)|(?:he|habia) dejado|(?:lo|la) termine|"
    r"termine (?:el|la|con)|tomaba|solia)\b"
)


def says_stopped(text: str) -> bool:
    return bool(STOPPED.search(without_accents(text.lower().replace("’", "'"))))


@dataclass(frozen=True)
class Finding:
    """A rule's term found in what the patient wrote, whether it was negated there, and whether its
    sentence says it stopped ("no longer on Roaccutane", "ya no tomo Roacután")."""

    rule_id: str
    matched_text: str
    negated: bool
    stopped: bool = False

    def applies_to(self, rule: Rule) -> bool:
        """Whether the mention says `rule` applies: not negated, or, for a rule that asks about the
        past, negated only because it stopped (never a past medicine read as fine)."""
        return self.rule_id == rule.id and (not self.negated or (self.stopped and rule.asks_about_past))


@dataclass(frozen=True)
class RuleAnswer:
    """One screening answer as it will be stored: the patient's own words, whether it applies to
    them (`affirmed`) and the level it raised (None when it raised nothing)."""

    rule_id: str
    answer_text: str
    affirmed: bool
    level: Level | None
    follow_up: str | None = None
    question: str = ""
    awaiting_follow_up: bool = False
    unsure: bool = False  # the patient did not know: a practitioner checks it (level review)

    @property
    def flagged(self) -> bool:
        return self.level is not None


def answer_rule(rule: Rule, text: object, findings: Iterable[Finding] = ()) -> RuleAnswer | None:
    """The answer to `rule.question`, or None when it is unclear and should be asked again.
    `findings` are the rules' terms found in the same text (`TermReader.findings`)."""
    cleaned = normalise_free_text(text, ANSWER_MAX_LEN)
    if not cleaned:
        return None
    reading = read_yes_no(cleaned)
    mentions = [finding for finding in findings if finding.rule_id == rule.id]
    if any(finding.applies_to(rule) for finding in mentions):
        affirmed = True
    elif reading is YesNo.UNSURE:
        return unsure_answer(rule, cleaned)
    elif rule.asks_about_past and says_stopped(cleaned):  # "not any more", "ya no": taken, so when?
        affirmed = True
    elif reading is not None:
        affirmed = reading is YesNo.YES
    elif mentions:  # only negated mentions, e.g. "warfarin? never"
        affirmed = False
    else:
        return None
    return RuleAnswer(
        rule_id=rule.id,
        answer_text=cleaned,
        affirmed=affirmed,
        level=rule.level if affirmed else None,
        question=rule.question,
        awaiting_follow_up=affirmed and rule.follow_up is not None,
    )


def unsure_answer(rule: Rule, text: str) -> RuleAnswer:
    """ "Not sure": never eligible. At least review, so a practitioner asks before anything is booked."""
    return RuleAnswer(
        rule_id=rule.id, answer_text=text, affirmed=False, level=Level.REVIEW, question=rule.question, unsure=True
    )
