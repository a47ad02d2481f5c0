"""The conversation's language in the actions: the slot `language` (set when the conversation
starts, actions/session.py), and `action_switch_language`, which changes it when the patient asks
("en español", "english please", or the greeting's button /switch_language{"language":"es"}).

Rules (data/stories/rules.yml) run it wherever the conversation is; inside a form the form then
asks its question again, now in the new language."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.session import LANGUAGE_SLOT as SLOT
from actions.session import conversation_slots, language_of
from bot.language import LANGUAGES, detect, languages_asked_for, other_language
from bot.responses import response_text

# Words asking for "the other language" without naming it.
_ANY_LANGUAGE = ("language", "idioma", "lengua", "translate", "traduc")


def language_asked_for(tracker: Tracker, current: str) -> str | None:
    """The language the latest message asks for: the button's entity, the one it names (of two
    named, the one not spoken now), the other one for "change language", else the one the
    message is written in when that is not the current one; None when it asks for none."""
    message = tracker.latest_message or {}
    for entity in message.get("entities") or []:
        if entity.get("entity") == SLOT and entity.get("value") in LANGUAGES:
            return entity["value"]
    text = str(message.get("text") or "")
    named = languages_asked_for(text)
    if len(named) == 1:
        return named.pop()
    if named:
        return other_language(current)
    if any(word in text.lower() for word in _ANY_LANGUAGE):
        return other_language(current)
    # Not the metadata's language: that falls back to the page's, which the patient may have left.
    written = detect(text)
    return written if written != current else None


class ActionSwitchLanguage(Action):
    def name(self) -> str:
        return "action_switch_language"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        current = language_of(tracker)
        target = language_asked_for(tracker, current)
        if target is None:  # the NLU's guess was wrong: no language was asked for
            dispatcher.utter_message(response="utter_fallback")
            return []
        # Rasa renders an action's responses with the slots as they were before its events, so
        # the confirmation is rendered here, with the new language.
        slots = {
            **tracker.current_slot_values(),
            **{event["name"]: event["value"] for event in conversation_slots(target)},
        }
        dispatcher.utter_message(text=response_text(domain, slots, "utter_language_switched"))
        return conversation_slots(target)
