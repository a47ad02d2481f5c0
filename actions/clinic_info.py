"""Answers about the clinic itself (prices, hours, address, contact, appointment length, talking
to a person): the wording is in domain.yml, the facts come from clinic/clinic.yml, so nothing is
invented and staff edit either without touching code."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.config import clinic
from bot.clinic import Clinic


def clinic_facts(c: Clinic) -> dict[str, str]:
    """The clinic's facts as the responses' variables."""
    length = c.appointment_length
    return {
        "prices": c.prices_text(),
        "hours": c.hours_text(),
        "address": c.address,
        "email": c.email,
        "website": c.website,
        "appointment_length": length[0].lower() + length[1:],
    }


# The response answering each clinic question (its variables: `clinic_facts`). Outside a form the
# responses offer the next steps as buttons; inside one they do not (the form asks its question).
RESPONSE_BY_INTENT = {
    "ask_price": "utter_clinic_price",
    "ask_hours": "utter_clinic_hours",
    "ask_location": "utter_clinic_location",
    "ask_contact": "utter_clinic_contact",
    "ask_appointment_length": "utter_clinic_appointment_length",
}


def answer_clinic_question(dispatcher: CollectingDispatcher, intent: str) -> bool:
    """Answers a clinic-information intent; False when the intent is not one."""
    response = RESPONSE_BY_INTENT.get(intent)
    if response is None:
        return False
    dispatcher.utter_message(response=response, **clinic_facts(clinic()))
    return True


class ActionClinicInfo(Action):
    def name(self) -> str:
        return "action_clinic_info"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        intent = tracker.latest_message.get("intent", {}).get("name", "")
        if not answer_clinic_question(dispatcher, intent):
            answer_clinic_question(dispatcher, "ask_contact")
        return []


class ActionHumanHandoff(Action):
    def name(self) -> str:
        return "action_human_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        dispatcher.utter_message(response="utter_human_handoff", **clinic_facts(clinic()))
        return []
