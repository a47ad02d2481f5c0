"""Reads how long ago something stopped ("3 months ago", "last year", "in March", "2019", "I still
take it"), for follow-up questions such as the last dose of isotretinoin."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from bot.screening.answers import interpret_yes_no, normalise_reply

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
    "a couple of": 2,
    "couple of": 2,
    "a couple": 2,
    "a few": 3,
    "few": 3,
    "several": 3,
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
}
_NUMBER = (
    r"(\d+(?:\.\d+)?|a couple of|couple of|a couple|a few|few|several|"
    + "|".join(sorted((w for w in _NUMBER_WORDS if " " not in w), key=len, reverse=True))
    + ")"
)
_UNIT = r"(days?|d|weeks?|wks?|months?|mos?|mths?|years?|yrs?)"
_DURATION = re.compile(rf"\b{_NUMBER}(?:\s+and\s+a\s+half)?\s*{_UNIT}\b(?:\s+and\s+a\s+half)?")
_HALF_A_YEAR = re.compile(r"\b(half a year|six months)\b")
_LESS_THAN = re.compile(r"\b(less than|under|not even|within|in the (?:last|past)|fewer than|not yet)\s*$")
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
}
_ONGOING = re.compile(r"\b(still|currently|at the moment|right now|ongoing|on it|taking it|take it|now)\b")
_STOPPED = re.compile(r"\b(stopped|not any ?more|no longer|finished|quit|came off|ago)\b")
_MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): number for number, name in enumerate(calendar.month_abbr) if name})
_MONTHS.pop("may", None)  # "may" is far more often the verb; "in may" is handled below
_MONTH_NAME = re.compile(
    r"\b(?:in\s+)?(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r"|(?<=in )may)\b(?:\s+(\d{4}))?"
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


def parse_months_since(text: object, today: date) -> MonthsSince | None:
    """Reads "3 months ago", "2 years", "last year", "in March", "2019", "still taking it"."""
    if not isinstance(text, str):
        return None
    lowered = normalise_reply(text)
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
