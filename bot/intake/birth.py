"""Date of birth or age, from what people actually type.

Accepts "12/03/1985", "1985-03-12", "12 March 1985", "March 12, 1985", "12th of March 85",
"I'm 34", "34", and the same in Spanish, with or without accents: "14 de marzo de 1985",
"3 de abril del 90", "1º de mayo de 1979", "14 dic 1985", "tengo 34 años". Numeric dates like
03/04/1985 are ambiguous: they are read day-first unless the clinic's region writes month-first
(the US and its territories, the Philippines, ...).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from bot.intake.errors import InvalidField
from bot.intake.text import normalise_free_text, without_accents

MAX_AGE = 120
MONTH_FIRST_REGIONS = frozenset({"US", "PH", "FM", "MH", "PW", "GU", "AS", "MP", "PR", "VI", "UM"})

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9
# Spanish names and their usual abbreviations ("ene", "abr", "ago", "dic"; the others are the English ones).
_SPANISH_MONTHS = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre")
_SPANISH_MONTHS += ("octubre", "noviembre", "diciembre")
_MONTHS.update({name: number for number, name in enumerate(_SPANISH_MONTHS, 1)})
_MONTHS.update({"setiembre": 9, "ene": 1, "abr": 4, "ago": 8, "set": 9, "dic": 12})
_MONTH = "(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(\d{1,2})(?:st|nd|rd|th|º|°|ª|ro|er|o)?"
_YEAR = r"(\d{4}|\d{2})"
_OF = r"(?:of\s+|de\s+)?"  # "12th of March", "14 de marzo"
_OF_YEAR = r"(?:(?:de|del)\s+)?"  # "de 1985", "del 90"

_ISO = re.compile(r"\b(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\b")
_NUMERIC = re.compile(r"\b(\d{1,2})[-/. ](\d{1,2})[-/. ](\d{4}|\d{2})\b")
_DAY_MONTH_YEAR = re.compile(rf"\b{_DAY}[\s/.-]*{_OF}{_MONTH}[\s,/.-]*{_OF_YEAR}{_YEAR}\b")
_MONTH_DAY_YEAR = re.compile(rf"\b{_MONTH}\s*{_DAY},?\s*{_OF_YEAR}{_YEAR}\b")
_AGE = re.compile(
    r"^(?:i'?m|i am|im|age|aged|my age is|i'm aged|tengo|edad|mi edad es)?[\s:=-]*(\d{1,3})\s*"
    r"(?:years? old|years?|yrs?|y/?o|yo|anos de edad|anos?)?\s*(?:old)?\.?$"
)


@dataclass(frozen=True)
class Birth:
    """What the patient gave (an age alone leaves `date_of_birth` empty); what the age means is the
    clinic's (`age` in clinic/screening.yml)."""

    date_of_birth: date | None
    age: int


def age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _full_year(year_text: str, today: date) -> int:
    year = int(year_text)
    if len(year_text) == 4:
        return year
    # Two-digit years: the most recent year ending in those digits that is not in the future.
    century = today.year - today.year % 100
    return century + year if century + year <= today.year else century - 100 + year


def _candidate_date(text: str, today: date, month_first: bool) -> tuple[int, int, int] | None:
    """(year, month, day) as written, not yet checked for being a real date."""
    if match := _ISO.search(text):
        return int(match.group(1)), int(match.group(2)), int(match.group(3))
    if match := _DAY_MONTH_YEAR.search(text):
        return _full_year(match.group(3), today), _MONTHS[match.group(2)], int(match.group(1))
    if match := _MONTH_DAY_YEAR.search(text):
        return _full_year(match.group(3), today), _MONTHS[match.group(1)], int(match.group(2))
    if match := _NUMERIC.search(text):
        first, second = int(match.group(1)), int(match.group(2))
        year = _full_year(match.group(3), today)
        day, month = (second, first) if month_first else (first, second)
        if month > 12 and day <= 12:  # unambiguous the other way round, e.g. 03/25/1990 in the UK
            day, month = month, day
        return year, month, day
    return None


def _invalid(reason: str, response: str, **values: str) -> InvalidField:
    return InvalidField("birth", reason, f"utter_invalid_birth_{response}", **values)


def parse_birth(text: object, today: date, region: str = "GB") -> Birth:
    """The date of birth (when given) and age today; InvalidField with reason unreadable /
    not_a_date / future / too_old otherwise. Being under the clinic's minimum age is not an error here: the form checks it."""
    cleaned = without_accents(normalise_free_text(text, 200).lower().replace("’", "'"))
    month_first = (region or "").upper() in MONTH_FIRST_REGIONS
    example = "03/12/1985" if month_first else "12/03/1985"
    if not cleaned:
        raise _invalid("unreadable", "empty", example=example)
    candidate = _candidate_date(cleaned, today, month_first)
    if candidate is not None:
        try:
            born = date(*candidate)
        except ValueError:
            raise _invalid("not_a_date", "not_a_date", example=example) from None
        if born > today:
            raise _invalid("future", "future")
        age = age_on(born, today)
        if age > MAX_AGE:
            raise _invalid("too_old", "year")
        return Birth(born, age)
    if match := _AGE.match(cleaned.strip()):
        age = int(match.group(1))
        if age > MAX_AGE:
            raise _invalid("too_old", "age")
        return Birth(None, age)
    raise _invalid("unreadable", "unreadable", example=example)
