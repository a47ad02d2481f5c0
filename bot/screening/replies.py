"""Reads a patient's free-text reply to one screening question.

`read_yes_no` understands the many ways people say yes, no or "I'm not sure"; `answer_rule` adds
the rule's terms as `TermReader` found them (naming a medicine or condition counts as yes unless
negated); `answer_follow_up`
reads the follow-up answer (for now: how long ago something stopped) and decides the level.
An unsure answer is an answer: it is kept in the patient's words and counts as at least `review`,
because a guessed "no" would read as eligible. Only what cannot be read at all gives None, so the
form can ask again kindly instead of guessing.
"""
from __future__ import annotations

import calendar
import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date

from bot.intake.text import normalise_free_text
from bot.screening.rules import Level, Rule

ANSWER_MAX_LEN = 500
# Only the start of a reply decides yes or no; this keeps the parsing fast on pasted essays.
_PARSE_WINDOW = 1000

_YES_EMOJI = set("👍👌✅✔☑🙋👏")
_NO_EMOJI = set("👎❌✖🚫⛔🙅❎")

_UNSURE = re.compile(
    r"\b(not (?:really |too |quite |very )?sure|unsure|not certain|uncertain|(?:do ?n[o']?t|dont) know|"
    r"do not know|idk|dunno|no idea|maybe|perhaps|possibly|might (?:be|have)|could be|can'?t remember|"
    r"cannot remember|(?:do ?n[o']?t|dont) remember|not sure|can'?t say|hard to say|no clue)\b"
)
# Hedges that make the whole reply unsure when it starts with them, whatever follows: "I think
# so" and "I don't think so" are guesses (shared/DOMAIN.md: "creo que sí", "creo que no").
_UNSURE_START = (
    "i think so", "i think", "think so", "i don't think so", "i dont think so", "don't think so",
    "dont think so", "i do not think so", "i believe so", "i believe", "probably", "probably not",
    "i guess", "i suppose", "possibly", "maybe", "perhaps", "not that i know", "not that i'm aware",
    "not that im aware", "not as far as i know", "i'm not sure", "im not sure", "i am not sure", "not sure",
    "no idea", "i have no idea", "i'm unsure", "im unsure", "unsure", "kind of", "sort of", "kinda", "sorta",
)
# Checked before the yes phrases, so "absolutely not" and "i'm not" are read as no.
_NO_START = (
    "no", "n", "nope", "nah", "naw", "never", "none", "nothing", "negative", "neither", "deny",
    "not at all", "not really", "not me", "not now", "not currently", "not anymore", "not any more",
    "no longer", "absolutely not", "definitely not", "certainly not", "of course not", "of course no",
    "i don't think so", "don't think so", "dont think so", "i dont think so", "not that i know",
    "i do not", "i don't", "i dont", "i'm not", "im not", "i am not", "i haven't", "i havent",
    "i have not", "i didn't", "i didnt", "i did not", "i've never", "ive never", "i have never",
    "i never", "i wasn't", "i was not", "not", "nein", "non",
)
_YES_START = (
    "yes", "y", "yep", "yup", "yeah", "yea", "ya", "yah", "yes please", "aye", "affirm", "sure",
    "correct", "right", "affirmative", "definitely", "absolutely", "of course", "indeed", "certainly",
    "i do", "i am", "i'm", "im", "i have", "i've", "ive", "i did", "i take", "i use", "i get",
    "i had", "i think so", "i believe so", "probably", "only", "just", "a bit", "a little",
    "sometimes", "occasionally", "currently", "true", "si", "oui", "ja", "i still", "still", "i'm on it",
    "im on it", "on it", "i'm taking it", "im taking it", "i got", "got", "i was", "i've had", "ive had",
    "had", "once", "twice", "a few times", "every", "now and then", "from time to time", "recently",
)
# The plainest words of all: a reply that starts with one of these has answered, whatever detail
# follows ("yes, I get one maybe once a year").
_PLAIN_YES = ("yes", "y", "yep", "yup", "yeah", "yea", "ya", "yah", "aye", "correct")
_FIRST_PERSON = frozenset(p for p in _YES_START if p.split()[0] in ("i", "i'm", "im", "i've", "ive"))
_NEGATING_WORDS = frozenset({"no", "none", "not", "never", "nothing", "neither", "nope"})
# Pleasantries that are not an answer to a health question ("I'm good" can mean "no thanks").
_AMBIGUOUS_START = (
    "i'm fine", "im fine", "i am fine", "i'm good", "im good", "i am good", "i'm ok", "im ok", "i am ok",
    "i'm okay", "im okay", "i'm alright", "im alright", "all good", "fine", "ok", "okay", "good", "k",
)


def _normalise_reply(text: str) -> str:
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
    normalised = _normalise_reply(window)
    if not re.search(r"[a-z]", normalised):
        emoji = _emoji_answer(window)
        return None if emoji is None else (YesNo.YES if emoji else YesNo.NO)
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
            following = normalised[len(phrase):].split()[:1]
            if phrase in _FIRST_PERSON and following and following[0] in _NEGATING_WORDS:
                return YesNo.NO
            return YesNo.YES
    return None


def interpret_yes_no(text: object) -> bool | None:
    """True for yes, False for no, None when unsure or unreadable: for questions that need a clear
    answer (consent), where the form asks again."""
    reading = read_yes_no(text)
    return None if reading in (None, YesNo.UNSURE) else reading is YesNo.YES


@dataclass(frozen=True)
class Finding:
    """A rule's term found in what the patient wrote, and whether it was negated there."""

    rule_id: str
    matched_text: str
    negated: bool


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
    mentions = [finding.negated for finding in findings if finding.rule_id == rule.id]
    if any(not negated for negated in mentions):
        affirmed = True
    elif reading is YesNo.UNSURE:
        return unsure_answer(rule, cleaned)
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
    """"Not sure": never eligible. At least review, so a practitioner asks before anything is booked."""
    return RuleAnswer(rule_id=rule.id, answer_text=text, affirmed=False, level=Level.REVIEW,
                      question=rule.question, unsure=True)


# ---- follow-up: how long ago did it stop? ------------------------------------------------------

_DAYS_PER_MONTH = 30.44
_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "eighteen": 18, "twenty": 20,
    "a couple of": 2, "couple of": 2, "a couple": 2, "a few": 3, "few": 3, "several": 3,
}
_UNIT_MONTHS = {"day": 1 / _DAYS_PER_MONTH, "week": 7 / _DAYS_PER_MONTH, "month": 1.0, "year": 12.0}
_UNIT_ALIASES = {"d": "day", "days": "day", "wk": "week", "wks": "week", "weeks": "week", "mo": "month",
                 "mos": "month", "mths": "month", "mth": "month", "months": "month", "yr": "year",
                 "yrs": "year", "years": "year"}
_NUMBER = r"(\d+(?:\.\d+)?|a couple of|couple of|a couple|a few|few|several|" + "|".join(
    sorted((w for w in _NUMBER_WORDS if " " not in w), key=len, reverse=True)) + ")"
_UNIT = r"(days?|d|weeks?|wks?|months?|mos?|mths?|years?|yrs?)"
_DURATION = re.compile(rf"\b{_NUMBER}(?:\s+and\s+a\s+half)?\s*{_UNIT}\b(?:\s+and\s+a\s+half)?")
_HALF_A_YEAR = re.compile(r"\b(half a year|six months)\b")
_LESS_THAN = re.compile(r"\b(less than|under|not even|within|in the (?:last|past)|fewer than|not yet)\s*$")
_RELATIVE = {
    "today": 0.0, "yesterday": 0.0, "this week": 0.0, "last week": 0.0, "this month": 0.0,
    "recently": 0.0, "just stopped": 0.0, "last month": 0.0, "this year": 0.0,
}
_ONGOING = re.compile(r"\b(still|currently|at the moment|right now|ongoing|on it|taking it|take it|now)\b")
_STOPPED = re.compile(r"\b(stopped|not any ?more|no longer|finished|quit|came off|ago)\b")
_MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): number for number, name in enumerate(calendar.month_abbr) if name})
_MONTHS.pop("may", None)  # "may" is far more often the verb; "in may" is handled below
_MONTH_NAME = re.compile(r"\b(?:in\s+)?(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r"|(?<=in )may)\b(?:\s+(\d{4}))?")
_YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")


@dataclass(frozen=True)
class MonthsSince:
    """What a follow-up answer says: still ongoing, or stopped at least `months` ago (a lower
    bound, so an ambiguous "last year" in February is read as possibly recent)."""

    ongoing: bool
    months: float | None


def _months_between(earlier: date, later: date) -> float:
    return max(0.0, (later - earlier).days / _DAYS_PER_MONTH)


def _end_of_month(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def parse_months_since(text: object, today: date) -> MonthsSince | None:
    """Reads "3 months ago", "2 years", "last year", "in March", "2019", "still taking it"."""
    if not isinstance(text, str):
        return None
    lowered = _normalise_reply(text)
    lowered = re.sub(r"(\d)\s*(?=[a-z])", r"\1 ", lowered)  # "3months" -> "3 months"
    half_year = _HALF_A_YEAR.search(lowered)
    if half_year:  # before the general pattern, which would read "half a year" as "a year"
        return MonthsSince(False, 0.0 if _LESS_THAN.search(lowered[: half_year.start()]) else 6.0)
    duration = _DURATION.search(lowered)
    if duration:
        raw_number = duration.group(1)
        number = float(raw_number) if raw_number[0].isdigit() else float(_NUMBER_WORDS[raw_number])
        if "and a half" in duration.group(0):
            number += 0.5
        unit = _UNIT_ALIASES.get(duration.group(2), duration.group(2))
        months = number * _UNIT_MONTHS[unit]
        if _LESS_THAN.search(lowered[: duration.start()]):
            months = 0.0
        return MonthsSince(False, months)
    if re.search(r"\blast year\b", lowered):
        return MonthsSince(False, _months_between(date(today.year - 1, 12, 31), today))
    for phrase, months in _RELATIVE.items():
        if re.search(rf"\b{phrase}\b", lowered):
            return MonthsSince(False, months)
    month = _MONTH_NAME.search(lowered)
    if month:
        number = _MONTHS.get(month.group(1), 5)
        year = int(month.group(2)) if month.group(2) else (today.year if number <= today.month else today.year - 1)
        if date(year, number, 1) > today:
            return None
        return MonthsSince(False, _months_between(min(_end_of_month(year, number), today), today))
    year_match = _YEAR.search(lowered)
    if year_match:
        year = int(year_match.group(1))
        if year > today.year:
            return None
        return MonthsSince(False, _months_between(min(date(year, 12, 31), today), today))
    if _ONGOING.search(lowered) and not _STOPPED.search(lowered) and interpret_yes_no(lowered) is not False:
        return MonthsSince(True, None)
    return None


def answer_follow_up(rule: Rule, answer: RuleAnswer, text: object, today: date) -> RuleAnswer | None:
    """The answer completed with its follow-up and the level it decides, or None to ask again."""
    follow_up = rule.follow_up
    if follow_up is None:
        raise ValueError(f"rule {rule.id!r} has no follow-up question")
    cleaned = normalise_free_text(text, ANSWER_MAX_LEN)
    parsed = parse_months_since(cleaned, today) if cleaned else None
    if parsed is None:
        if cleaned and read_yes_no(cleaned) is YesNo.UNSURE:  # "I can't remember when"
            level = max(follow_up.level_within or Level.REVIEW, Level.REVIEW)
            return replace(answer, follow_up=cleaned, level=level, affirmed=True, awaiting_follow_up=False,
                           unsure=True)
        return None
    if parsed.ongoing:
        level = follow_up.level_ongoing
    elif parsed.months is not None and parsed.months < follow_up.threshold_months:
        level = follow_up.level_within
    else:
        level = follow_up.level_after
    return replace(answer, follow_up=cleaned, level=level, affirmed=True, awaiting_follow_up=False)
