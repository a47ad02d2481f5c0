"""Starts every conversation with the clinic's own name, phone and emergency number as slots,
so responses in domain.yml can use them and red-flag answers need no further action call."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.config import clinic


def clinic_slots() -> list[EventType]:
    current = clinic()
    return [
        SlotSet("clinic_name", current.name),
        SlotSet("clinic_phone", current.phone),
        SlotSet("emergency_number", current.emergency_number),
        SlotSet("request_retention", f"{current.retention.request_months} months"),
    ]


class ActionSessionStart(Action):
    def name(self) -> str:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        return [SessionStarted(), *clinic_slots(), ActionExecuted("action_listen")]
