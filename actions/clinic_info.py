"""Answers about the clinic itself (prices, hours, address, contact, appointment length, talking
to a person), written from clinic/clinic.yml so nothing is invented."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.buttons import CALL_ME_BACK, NEXT_STEPS
from actions.config import clinic
from bot.clinic import Clinic


def price_answer(c: Clinic) -> str:
    return (
        f"Prices at {c.name}:\n{c.prices_text()}\n"
        "A practitioner confirms the right plan for your skin at the consultation."
    )


def hours_answer(c: Clinic) -> str:
    return f"Our opening hours:\n{c.hours_text()}"


def location_answer(c: Clinic) -> str:
    return f"You'll find {c.name} at {c.address}."


def contact_answer(c: Clinic) -> str:
    return f"You can reach {c.name} by phone on {c.phone} or by email at {c.email}. Website: {c.website}"


def appointment_length_answer(c: Clinic) -> str:
    return f"A microneedling appointment takes {c.appointment_length[0].lower()}{c.appointment_length[1:]}"


ANSWERS_BY_INTENT = {
    "ask_price": price_answer,
    "ask_hours": hours_answer,
    "ask_location": location_answer,
    "ask_contact": contact_answer,
    "ask_appointment_length": appointment_length_answer,
}


def clinic_answer(intent: str) -> str | None:
    """The answer for a clinic-information intent, or None when the intent is not one."""
    answer = ANSWERS_BY_INTENT.get(intent)
    return answer(clinic()) if answer else None


class ActionClinicInfo(Action):
    def name(self) -> str:
        return "action_clinic_info"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        intent = tracker.latest_message.get("intent", {}).get("name", "")
        text = clinic_answer(intent) or contact_answer(clinic())
        dispatcher.utter_message(text=text, buttons=NEXT_STEPS)
        return []


class ActionHumanHandoff(Action):
    def name(self) -> str:
        return "action_human_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        c = clinic()
        dispatcher.utter_message(
            text=(
                f"To talk to a person, call {c.name} on {c.phone} or email {c.email}. "
                f"We're open:\n{c.hours_text()}\n"
                "Or I can ask the team to call you back."
            ),
            buttons=[CALL_ME_BACK, *NEXT_STEPS],
        )
        return []
