"""Cleans free text before it is stored or parsed: no markup, no control characters, bounded length."""

from __future__ import annotations

import html
import re
import unicodedata

# Only things that look like real tags: "<3" and "< 5mg" are kept as the patient wrote them.
_SCRIPT_OR_STYLE = re.compile(r"<\s*(script|style)\b[^>]*>.*?(<\s*/\s*\1\s*>|$)", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"</?[a-zA-Z][^<>]*>|<!--.*?-->", re.DOTALL)
_WHITESPACE = re.compile(r"\s+")
# Hard cap applied before any regex work, so a pasted novel cannot slow a parser down.
_MAX_INPUT = 20_000


def strip_markup(text: str) -> str:
    """Removes HTML tags (and script/style contents); entities such as &lt; are decoded afterwards
    and the result stripped again, so encoded markup cannot slip through."""
    for _ in range(2):
        text = _SCRIPT_OR_STYLE.sub(" ", text)
        text = _TAG.sub(" ", text)
        text = html.unescape(text)
    return _TAG.sub(" ", _SCRIPT_OR_STYLE.sub(" ", text))


def strip_control(text: str) -> str:
    """Drops control and format characters (keeping the zero-width joiner emoji need); tabs and
    newlines become spaces."""
    return "".join(
        " " if ch in "\t\n\r\x0b\x0c" else ch
        for ch in text
        if ch in "\t\n\r\x0b\x0c\u200d" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co")
    )


def without_accents(text: str) -> str:
    """The text with accents and other combining marks removed ("Roacután" -> "Roacutan", "ñ" -> "n"),
    for matching what patients type with or without them; never for what is stored."""
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn"))


def normalise_free_text(text: object, max_len: int = 2000) -> str:
    """Trimmed, single-spaced plain text without markup or control characters, at most max_len
    characters (cut at a word boundary when one is near). Non-text input gives ""."""
    if not isinstance(text, str):
        return ""
    if max_len < 1:
        raise ValueError("max_len must be at least 1")
    cleaned = unicodedata.normalize("NFC", text[:_MAX_INPUT])
    cleaned = strip_control(strip_markup(cleaned))
    cleaned = _WHITESPACE.sub(" ", cleaned).strip()
    if len(cleaned) <= max_len:
        return cleaned
    cut = cleaned[:max_len]
    space = cut.rfind(" ")
    if space >= max_len * 0.8:
        cut = cut[:space]
    return cut.rstrip()
