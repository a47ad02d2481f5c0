"""Choosing and filling in a domain response as Rasa's NLG does, where Rasa does not render it:
the words an action puts inside another message or a button (the review summary's parts, the
contact-method buttons), and what the relay and the bridge say themselves (`own_text`).

Rasa renders every whole message itself (`dispatcher.utter_message(response=...)`); these words
live in domain.yml beside them, so a clinic edits and a translator translates them in one place.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.language import DEFAULT_LANGUAGE

DOMAIN_FILE = Path(__file__).resolve().parent.parent / "domain.yml"

_VARIABLE = re.compile(r"{([^\n{}]+?)}")


def variation(variations: list[dict[str, Any]], slots: Mapping[str, Any]) -> dict[str, Any]:
    """The first variation whose slot conditions all hold (Rasa's conditional variations), else the
    first without conditions. Rasa picks at random among several that fit; ours never have two that
    fit at once (English variations with other conditions also say `language: en`)."""
    for candidate in variations:
        conditions = candidate.get("condition") or []
        if conditions and all(slots.get(c["name"]) == c["value"] for c in conditions):
            return candidate
    return next(candidate for candidate in variations if not candidate.get("condition"))


def fill(text: str, values: Mapping[str, Any]) -> str:
    """`{name}` replaced by its value; an unknown name stays as written, as Rasa leaves it."""
    return _VARIABLE.sub(lambda match: str(values.get(match.group(1), match.group(0))), text)


def response_text(domain: Mapping[str, Any], slots: Mapping[str, Any], name: str, **values: Any) -> str:
    """The text of response `name` for a conversation with these slots, filled with `values`: in
    the conversation's language (the slot `language`; English when it has none)."""
    slots = {**slots, "language": slots.get("language") or DEFAULT_LANGUAGE}
    chosen = variation(domain["responses"][name], slots)
    return fill(chosen["text"], {**slots, **values})


class MissingResponse(KeyError):
    """A response our own parts say is not in domain.yml (renamed or deleted by an edit)."""


@lru_cache(maxsize=1)
def own_responses() -> dict[str, list[dict[str, Any]]]:
    """domain.yml's responses, read once: the relay and the bridge speak without Rasa's NLG."""
    return yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))["responses"]


def own_text(name: str, language: str = DEFAULT_LANGUAGE, **values: Any) -> str:
    """The words of a response the relay or the bridge says itself, in `language` (the value of
    the slot `language`: "en" or "es"), filled with `values`."""
    try:
        variations = own_responses()[name]
    except KeyError:
        raise MissingResponse(f"domain.yml has no response {name!r}, which bot/ says itself") from None
    return fill(variation(variations, {"language": language or DEFAULT_LANGUAGE})["text"], values)


def wait_in_words(seconds: int, language: str = DEFAULT_LANGUAGE) -> str:
    if seconds == 1:
        return own_text("utter_wait_one_second", language)
    if seconds < 90:
        return own_text("utter_wait_seconds", language, count=seconds)
    return own_text("utter_wait_minutes", language, count=round(seconds / 60))
