"""The patient's name: lenient with real names in any script, strict with markup and keyboard noise.

Markup is removed before checking (so "<b>Ana</b>" is "Ana"); when nothing name-like is left, as
with "<script>alert(1)</script>", the reply is refused rather than stored.
"""

from __future__ import annotations

import re
import unicodedata

from bot.intake.errors import InvalidField
from bot.intake.text import normalise_free_text

MIN_LEN, MAX_LEN = 2, 100
# Letters and combining marks of any script, plus the punctuation real names use.
_NAME_PUNCTUATION = set(" '’ʼ‘-‐‑.·")
_INTRO = re.compile(
    r"^(?:(?:hi|hello|hey|hola|buenas|buenos d[ií]as|buenas tardes|buenas noches)[,!.]?\s+)?"
    r"(?:my (?:full )?name is|my name's|name is|name:|i am|i'm|im|it's|it is|this is|call me|"
    r"me llamo|mi nombre (?:completo )?es|mi nombre:|nombre:|soy)\s+",
    re.IGNORECASE,
)
_REPEATED = re.compile(r"(.)\1{3,}", re.IGNORECASE)
_NOT_NAMES = {
    "yes",
    "no",
    "hi",
    "hello",
    "hey",
    "test",
    "asdf",
    "qwerty",
    "none",
    "nope",
    "n/a",
    "na",
    "anonymous",
    "no name",
    "idk",
    "skip",
    "si",
    "sí",
    "hola",
    "buenas",
    "ninguno",
    "ninguna",
    "nada",
    "prueba",
    "anónimo",
    "anonimo",
    "sin nombre",
    "no sé",
    "no se",
    "nombre",
    "omitir",
    "saltar",
}


def _is_name_char(ch: str) -> bool:
    return ch in _NAME_PUNCTUATION or unicodedata.category(ch)[0] in ("L", "M")


def parse_name(text: object) -> str:
    """The name as plain text, or InvalidField with reason empty / too_short / too_long /
    invalid_characters / not_a_name."""
    had_markup = isinstance(text, str) and "<" in text
    cleaned = normalise_free_text(text, 10 * MAX_LEN)
    cleaned = _INTRO.sub("", cleaned).strip(" .,!")
    if not cleaned:
        reason = "invalid_characters" if had_markup else "empty"
        raise InvalidField("name", reason, "utter_invalid_name_markup" if had_markup else "utter_invalid_name_empty")
    if len(cleaned) > MAX_LEN:
        raise InvalidField("name", "too_long", "utter_invalid_name_too_long", max_len=MAX_LEN)
    if len(cleaned) < MIN_LEN:
        raise InvalidField("name", "too_short", "utter_invalid_name_too_short")
    if not any(unicodedata.category(ch).startswith("L") for ch in cleaned) or not all(map(_is_name_char, cleaned)):
        raise InvalidField("name", "invalid_characters", "utter_invalid_name_characters")
    if cleaned.lower() in _NOT_NAMES or _REPEATED.search(cleaned):
        raise InvalidField("name", "not_a_name", "utter_invalid_name_not_a_name")
    return cleaned
