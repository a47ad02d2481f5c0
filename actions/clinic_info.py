"""Answers about the clinic itself (prices, hours, address, contact, appointment length, talking
to a person): the wording is in domain.yml, the facts come from clinic/clinic.yml, so nothing is
invented and staff edit either without touching code. Both in the conversation's language."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.config import clinic
from actions.session import language_of
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
# responses offer the next steps as buttons; inside one its `_in_form` twin does not (the form asks
# its question). The action chooses: a Rasa condition can only say that no form is asking.
IN_FORM = "_in_form"
RESPONSE_BY_INTENT = {
    "ask_price": "utter_clinic_price",
    "ask_hours": "utter_clinic_hours",
    "ask_location": "utter_clinic_location",
    "ask_contact": "utter_clinic_contact",
    "ask_appointment_length": "utter_clinic_appointment_length",
}


def in_a_form(tracker: Tracker) -> bool:
    return tracker.get_slot("requested_slot") is not None


def answer_clinic_question(
    dispatcher: CollectingDispatcher, intent: str, in_form: bool = False, language: str = "en"
) -> bool:
    """Answers a clinic-information intent, with the clinic's facts in `language`; False when the
    intent is not one. `in_form`: a form is asking a question, which it asks again after the
    answer (no next-step buttons)."""
    response = RESPONSE_BY_INTENT.get(intent)
    if response is None:
        return False
    dispatcher.utter_message(
        response=response + (IN_FORM if in_form else ""), **clinic_facts(clinic().in_language(language))
    )
    return True


class ActionClinicInfo(Action):
    def name(self) -> str:
        return "action_clinic_info"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        intent = tracker.latest_message.get("intent", {}).get("name", "")
        language = language_of(tracker)
        if not answer_clinic_question(dispatcher, intent, in_a_form(tracker), language):
            answer_clinic_question(dispatcher, "ask_contact", in_a_form(tracker), language)
        return []


class ActionHumanHandoff(Action):
    def name(self) -> str:
        return "action_human_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        dispatcher.utter_message(
            response="utter_human_handoff", **clinic_facts(clinic().in_language(language_of(tracker)))
        )
        return []
