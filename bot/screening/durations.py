"""Reads how long ago something stopped ("3 months ago", "last year", "in March", "2019", "I still
take it"; "hace tres meses", "el año pasado", "en marzo", "todavía lo tomo"), in English or Spanish
(patients mix them), for follow-up questions such as the last dose of isotretinoin."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from bot.intake.text import without_accents
from bot.screening.answers import STOPPED, interpret_yes_no, normalise_reply

_DAYS_PER_MONTH = 30.44
_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "eighteen": 18,
    "twenty": 20,
    "thirty": 30,
    "a couple of": 2,
    "couple of": 2,
    "a couple": 2,
    "a few": 3,
    "few": 3,
    "several": 3,
    # Spanish, read without accents ("un año", "unas semanas", "un par de meses").
    "un": 1,
    "una": 1,
    "uno": 1,
    "dos": 2,
    "tres": 3,
    "cuatro": 4,
    "cinco": 5,
    "seis": 6,
    "siete": 7,
    "ocho": 8,
    "nueve": 9,
    "diez": 10,
    "once": 11,
    "doce": 12,
    "dieciocho": 18,
    "veinte": 20,
    "treinta": 30,
    "un par de": 2,
    "par de": 2,
    "unos": 3,
    "unas": 3,
    "algunos": 3,
    "algunas": 3,
    "varios": 3,
    "varias": 3,
    "pocos": 3,
    "pocas": 3,
}
_UNIT_MONTHS = {"day": 1 / _DAYS_PER_MONTH, "week": 7 / _DAYS_PER_MONTH, "month": 1.0, "year": 12.0}
_UNIT_ALIASES = {
    "d": "day",
    "days": "day",
    "wk": "week",
    "wks": "week",
    "weeks": "week",
    "mo": "month",
    "mos": "month",
    "mths": "month",
    "mth": "month",
    "months": "month",
    "yr": "year",
    "yrs": "year",
    "years": "year",
    "dia": "day",
    "dias": "day",
    "semana": "week",
    "semanas": "week",
    "mes": "month",
    "meses": "month",
    "ano": "year",  # "año" without its accent
    "anos": "year",
}
_MULTI_WORD_NUMBERS = ("a couple of", "couple of", "a couple", "a few", "un par de", "par de")
_NUMBER = (
    r"(\d+(?:\.\d+)?|"
    + "|".join(_MULTI_WORD_NUMBERS)
    + "|"
    + "|".join(sorted((w for w in _NUMBER_WORDS if " " not in w), key=len, reverse=True))
    + ")"
)
_UNIT = r"(days?|d|weeks?|wks?|months?|mos?|mths?|years?|yrs?|dias?|semanas?|meses|mes|anos?)"
_AND_A_HALF = r"(?:\s+and\s+a\s+half|\s+y\s+medi[oa])"
_DURATION = re.compile(rf"\b{_NUMBER}{_AND_A_HALF}?\s*{_UNIT}\b{_AND_A_HALF}?")
_HALF_A_YEAR = re.compile(r"\b(half a year|six months|medio ano|seis meses)\b")
_LESS_THAN = re.compile(
    r"\b(less than|under|not even|within|in the (?:last|past)|fewer than|not yet|menos de|no hace ni|ni siquiera|"
    r"en (?:los|las) ultim[oa]s|no han pasado ni|aun no han pasado|todavia no han pasado)\s*$"
)
# How long it went on, or since when it goes on ("for 6 months", "desde hace un año"), not how long ago.
_COURSE = re.compile(r"\b(?:for|during|durante|desde hace|since)\s*$")
_AGO = re.compile(r"\bhace\s*$")
_RELATIVE = {
    "today": 0.0,
    "yesterday": 0.0,
    "this week": 0.0,
    "last week": 0.0,
    "this month": 0.0,
    "recently": 0.0,
    "just stopped": 0.0,
    "last month": 0.0,
    "this year": 0.0,
    "hoy": 0.0,
    "ayer": 0.0,
    "anteayer": 0.0,
    "esta semana": 0.0,
    "la semana pasada": 0.0,
    "este mes": 0.0,
    "el mes pasado": 0.0,
    "este ano": 0.0,
    "hace poco": 0.0,
    "hace nada": 0.0,
    "recientemente": 0.0,
    "acabo de dejar": 0.0,
}
_LAST_YEAR = re.compile(r"\b(?:last year|(?:el )?ano pasado)\b")
_ONGOING = re.compile(
    r"\b(still|currently|at the moment|right now|ongoing|on it|taking it|take it|now|never stopped|"
    r"todavia|aun|sigo|actualmente|ahora|en este momento|en estos momentos|(?:lo|la) (?:estoy )?tomo|"
    r"(?:lo|la) estoy tomando|tomandol[oa])\b"
)
_STOPPED_OR_AGO = re.compile(rf"{STOPPED.pattern}|\bago\b|\bhace\b(?! poco\b)")
_MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): number for number, name in enumerate(calendar.month_abbr) if name})
_MONTHS.pop("may", None)  # "may" is far more often the verb; "in may" is handled below
# Spanish month names in full (abbreviations such as "ago" or "dic" would be read in ordinary words).
_MONTHS.update(
    {
        name: number
        for number, names in enumerate(
            ("", "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre setiembre")
            + ("octubre", "noviembre", "diciembre")
        )
        for name in names.split()
    }
)
_MONTH_NAME = re.compile(
    r"\b(?:in\s+|en\s+)?("
    + "|".join(sorted(_MONTHS, key=len, reverse=True))
    + r"|(?<=in )may)\b(?:\s+(?:(?:de|del)\s+)?(\d{4}))?"
)
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


_NEVER_STOPPED = re.compile(r"\b(?:never stopped|(?:have|has) ?n'?t stopped|(?:nunca|no) (?:lo|la) he dejado)\b")


def _says_ongoing(lowered: str) -> bool:
    if _NEVER_STOPPED.search(lowered):
        return True
    return (
        bool(_ONGOING.search(lowered))
        and not _STOPPED_OR_AGO.search(lowered)
        and interpret_yes_no(lowered) is not False
    )


def _how_long_ago(lowered: str) -> re.Match | None:
    """The duration that says how long ago: one with "ago"/"hace" first, then one that is not a
    course length ("for 6 months"), then any."""
    durations = list(_DURATION.finditer(lowered))
    ago = [d for d in durations if _AGO.search(lowered[: d.start()]) or re.match(r"\s*ago\b", lowered[d.end() :])]
    not_course = [d for d in durations if not _COURSE.search(lowered[: d.start()])]
    return (ago or not_course or durations or [None])[0]


def parse_months_since(text: object, today: date) -> MonthsSince | None:
    """Reads "3 months ago", "2 years", "last year", "in March", "2019", "still taking it", and the
    same in Spanish ("hace 3 meses", "hace un año y medio", "el año pasado", "todavía lo tomo")."""
    if not isinstance(text, str):
        return None
    lowered = without_accents(normalise_reply(text))
    lowered = re.sub(r"(\d)\s*(?=[a-z])", r"\1 ", lowered)  # "3months" -> "3 months"
    half_year = _HALF_A_YEAR.search(lowered)
    if half_year and not _COURSE.search(lowered[: half_year.start()]):
        # before the general pattern, which would read "half a year" as "a year"
        return MonthsSince(False, 0.0 if _LESS_THAN.search(lowered[: half_year.start()]) else 6.0)
    duration = _how_long_ago(lowered)
    if duration and _COURSE.search(lowered[: duration.start()]) and _says_ongoing(lowered):
        return MonthsSince(True, None)  # "I've been on it for 2 months", "lo tomo desde hace un año"
    if (
        duration
        and re.search(r"\bdesde hace\s*$", lowered[: duration.start()])
        and not STOPPED.search(lowered)
        and interpret_yes_no(lowered) is not False
    ):
        return MonthsSince(True, None)  # "desde hace un año" without a "no": since then, and still
    if duration:
        raw_number = duration.group(1)
        number = float(raw_number) if raw_number[0].isdigit() else float(_NUMBER_WORDS[raw_number])
        if re.search(_AND_A_HALF, duration.group(0)):
            number += 0.5
        unit = _UNIT_ALIASES.get(duration.group(2), duration.group(2))
        months = number * _UNIT_MONTHS[unit]
        if _LESS_THAN.search(lowered[: duration.start()]):
            months = 0.0
        return MonthsSince(False, months)
    if _LAST_YEAR.search(lowered):
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
    if _says_ongoing(lowered):
        return MonthsSince(True, None)
    return None
