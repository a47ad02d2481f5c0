"""The patient-facing text of what an action sends, rendered from the domain's responses as Rasa's
NLG renders them (slot values and the action's own variables put into `{name}`), so unit tests can
read what the patient would read without starting Rasa."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import yaml

from bot.responses import fill, variation
from bot.settings import PROJECT_ROOT


@lru_cache(maxsize=1)
def domain() -> dict[str, Any]:
    """The responses and slots as Rasa passes its domain to an action."""
    return {"responses": responses()}


@lru_cache(maxsize=1)
def responses() -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for path in [PROJECT_ROOT / "domain.yml", *sorted((PROJECT_ROOT / "data").rglob("*.yml"))]:
        found.update((yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("responses") or {})
    return found


@lru_cache(maxsize=1)
def slot_defaults() -> dict[str, Any]:
    slots = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))["slots"]
    return {name: spec.get("initial_value") for name, spec in slots.items()}


def rendered(message: dict[str, Any], slots: dict[str, Any] | None = None) -> str | None:
    """The text of one dispatched message; None for a message without text (a custom payload)."""
    if not message.get("response"):
        return message.get("text")
    values = {**slot_defaults(), **(slots or {}), **message}
    text = variation(responses()[message["response"]], values).get("text")
    return None if text is None else fill(text, values)


def texts(messages: list[dict[str, Any]], slots: dict[str, Any] | None = None) -> list[str | None]:
    return [rendered(message, slots) for message in messages]
