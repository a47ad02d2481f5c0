"""Questions inside long messages, and two questions in one message.

A whole-message classifier hears a long story with one question in it as mostly story ("...so my
main question is how much will it hurt, because I work in a shop" falls back), and hears two
questions as one blurred one. So the message is also read in parts (sentences, and clauses that
start a new question), each part is classified on its own, and:

- when one part asks a confident question the whole message does not, that part's answer is given;
- when two parts confidently ask two different answerable questions, both are answered.

A message whose whole reading is confident and not a question (booking, stopping, a red flag) is
left as it is: asking "can I book? and does it hurt?" still starts the booking.
Pure: it sees labels and probabilities only, so it is tested without Rasa.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

# Parts: sentences and lines, list markers ("1)", "2."), and a new question after a comma or a
# joining word ("..., and how long...", "also, is it safe...", "..., y cuánto dura..."), in
# English and in Spanish (where "¿" opens a question, so it starts a part too).
_QUESTION_START = (
    r"(?:how|what|what's|whats|when|where|which|who|why|is|are|am|do|does|did|can|could|will|would|"
    r"should|shall|may|might|any|have|has|wat|wht|"
    r"qu[eé]|c[oó]mo|cu[aá]ndo|d[oó]nde|cu[aá]l(?:es)?|cu[aá]nt[oa]s?|qui[eé]n(?:es)?|por\s+qu[eé]|"
    r"puedo|puede|podr[ií]a|se\s+puede|hay|tengo\s+que|es\s+normal|es\s+seguro|duele|sirve)\b"
)
_JOINING = (
    r"and|also|plus|oh and|and also|one more thing|another thing|another question|btw|by the way|"
    r"as well as that|y|y también|también|además|otra cosa|otra pregunta|por cierto|aparte"
)
_ASKING = (
    r"i\s+(?:was|am|'m)\s+wondering|i\s+wonder|my\s+(?:main\s+|only\s+|big\s+)?question|"
    r"i(?:'d|\s+would)\s+like\s+to\s+know|(?:can|could)\s+you\s+tell\s+me|"
    r"(?:quer[ií]a|quisiera|me\s+gustar[ií]a)\s+saber|me\s+preguntaba|mi\s+(?:gran\s+|única\s+|unica\s+)?"
    r"(?:pregunta|duda)|(?:me\s+)?(?:puede|podr[ií]a|puedes|podr[ií]as|podés)\s+decir"
)
_SPLIT = re.compile(
    r"[.?!;]+\s+|[?!]+|\n+|\s*\b\d\s*[).]\s+|\s+(?=¿)|"
    rf"\s*(?:,\s*|\s+)(?:{_JOINING})\s*,?\s*(?={_QUESTION_START})|"
    r"\s*(?:also|plus|one more thing|another question|btw|by the way|también|además|otra cosa|otra pregunta|"
    r"por cierto)\s*[,:-]\s*|"
    # ...and before a way of asking, which often follows the context in one sentence.
    rf"\s*,?\s*(?:(?:and|so|but|y|así que|asi que|pero)\s+)?(?=(?:{_ASKING})\b)",
    re.IGNORECASE,
)
_MIN_PART_CHARS = 8
MAX_PARTS = 12  # a pasted essay is read in its first dozen parts only
# What makes a part a question rather than context: a question mark (either one), a question word
# first, or a way of asking ("I was wondering", "my main question is", "quería saber").
_ASKS = re.compile(
    rf"^¿|^(?:(?:so|and|but|also|plus|ok|okay|hi|hello|hey|well|sorry|please|first(?:ly)?|second(?:ly)?|then|"
    rf"y|pero|bueno|vale|hola|oye|oiga|perdón|perdon|también|tambien|entonces|primero|luego)\W+)*"
    rf"{_QUESTION_START}|\b(?:wonder(?:ing|ed)?|want(?:ed)? to know|like to know|question is|questions? (?:is|are|about)|"
    r"tell me|let me know|curious|any idea|explain|advise|is it true|do you know|how (?:much|long|many|soon|often)|"
    r"saber|pregunta(?:ba)?|duda|dime|d[ií]game|explica|sab[eé]is|sabe usted|es verdad|cu[aá]nt[oa]s?)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Part:
    text: str
    asks: bool  # reads as a question, not as context


def split_parts(text: str) -> list[Part]:
    """The message's parts worth classifying on their own; [] when it is a single part."""
    parts: list[Part] = []
    start = 0
    text = text or ""
    for boundary in [*_SPLIT.finditer(text), None]:
        end = boundary.start() if boundary else len(text)
        piece = text[start:end].strip(" ,-:")
        if len(piece) >= _MIN_PART_CHARS:
            question_mark = bool(boundary) and "?" in boundary.group(0)
            parts.append(Part(piece, question_mark or bool(_ASKS.search(piece))))
        start = boundary.end() if boundary else len(text)
    parts = parts[:MAX_PARTS]
    return parts if len(parts) > 1 else []


@dataclass(frozen=True)
class Reading:
    label: str  # e.g. "faq/pain", "ask_price", "greet"
    confidence: float


@dataclass(frozen=True)
class Choice:
    """Which readings answer the message: `parts` are indexes into the parts (empty: the whole
    message as read)."""

    parts: tuple[int, ...] = ()

    @property
    def two_questions(self) -> bool:
        return len(self.parts) == 2


@dataclass(frozen=True)
class Thresholds:
    part: float = 0.5  # a part must be this sure of its question to be answered instead of the whole
    both: float = 0.6  # each of two questions must be this sure for both to be answered
    whole_is_sure: float = 0.6  # a whole message this sure of something else is left alone


def choose(
    whole: Reading,
    parts: Sequence[Reading],
    answerable: Callable[[str], bool],
    thresholds: Thresholds = Thresholds(),
    asks: Sequence[bool] | None = None,
) -> Choice:
    """The parts to answer (see the module docstring), or the whole message. `asks` says which
    parts read as questions: only those count when any does, so context ("I work at a gym") is
    not answered as a second question."""
    if asks is not None and any(asks):
        parts = [part if asking else Reading(part.label, 0.0) for part, asking in zip(parts, asks)]
    if not parts:
        return Choice()
    if whole.confidence >= thresholds.whole_is_sure and not answerable(whole.label) and whole.label != "out_of_scope":
        return Choice()
    best_part_of: dict[str, int] = {}
    for index, part in enumerate(parts):
        if answerable(part.label) and part.confidence >= thresholds.part:
            known = best_part_of.get(part.label)
            if known is None or part.confidence > parts[known].confidence:
                best_part_of[part.label] = index
    asked = sorted(best_part_of.values())  # in the order the patient asked them
    sure = [index for index in asked if parts[index].confidence >= thresholds.both]
    if len(sure) >= 2:
        return Choice(tuple(sure[:2]))
    if len(asked) >= 2:  # two questions, not both sure: the surer one
        asked = [max(asked, key=lambda index: parts[index].confidence)]
    if len(asked) == 1:
        part = parts[asked[0]]
        sure_of_whole = answerable(whole.label) and whole.confidence >= part.confidence
        return Choice() if sure_of_whole else Choice((asked[0],))
    return Choice()
