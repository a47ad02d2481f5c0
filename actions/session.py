"""Starts every conversation in its language, with the clinic's own name, phone and emergency
number as slots, so responses in domain.yml can use them and red-flag answers need no further
action call.

The language is the first message's `metadata["language"]` (the widget relay and the Telegram
bridge put it on every message, bot/language.py), which Rasa passes here as the slot
`session_started_metadata`; English without it. The conversation keeps it until the patient asks
for the other one (actions/language.py)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.config import clinic
from bot.language import metadata_language, valid_language
from bot.responses import own_text

LANGUAGE_SLOT = "language"


def language_of(tracker: Tracker) -> str:
    """The conversation's language ("en" or "es")."""
    return valid_language(tracker.get_slot(LANGUAGE_SLOT))


def clinic_slots(language: str = "en") -> list[EventType]:
    current = clinic().in_language(language)
    months = own_text("utter_retention_months", language=language, count=current.retention.request_months)
    return [
        SlotSet("clinic_name", current.name),
        SlotSet("clinic_phone", current.phone),
        SlotSet("emergency_number", current.emergency_number),
        SlotSet("request_retention", months),
    ]


def conversation_slots(language: str) -> list[EventType]:
    """Every slot that follows the language: the language itself and the clinic's details."""
    return [SlotSet(LANGUAGE_SLOT, language), *clinic_slots(language)]


class ActionSessionStart(Action):
    def name(self) -> str:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        language = metadata_language(tracker.get_slot("session_started_metadata"))
        return [SessionStarted(), *conversation_slots(language), ActionExecuted("action_listen")]
