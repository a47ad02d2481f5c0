"""The summary the patient checks before sending, and reading which field they want to change."""
from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.config import clinic
from actions.intake.slots import NOTHING, answer_from_slot, given
from bot.intake.contact import NEEDS_MOBILE, is_landline

# Words a patient uses for each field, checked in this order ("contact number" is the phone).
_FIELD_WORDS = (
    ("phone", r"phone|mobile|number|cell|tel"),
    ("email", r"e-?mail|mail address"),
    ("preferred_contact", r"contact|reach|method|prefer"),
    ("birth", r"birth|dob|born|age|birthday"),
    ("full_name", r"name|surname|spelling"),
    ("concerns", r"concern|treat|area|improve|scar|skin"),
    ("preferred_time", r"time|day|when|availab|slot|morning|evening|afternoon"),
    ("health_notes", r"note|medic|allerg|anything else|health note"),
    ("screening", r"screening|health question|health answer|question|answer"),
)
_CHANGE = re.compile(r"\b(change|correct|fix|update|edit|wrong|mistake|amend|redo)\b", re.IGNORECASE)

CONTACT_LABELS = {"phone": "Phone call", "sms": "Text message", "whatsapp": "WhatsApp",
                  "telegram": "Telegram", "email": "Email"}


def field_to_change(text: str) -> str | None:
    """The slot a correction names ("change my phone number" -> "phone"), or None."""
    lowered = text.lower()
    if not _CHANGE.search(lowered) and lowered.strip() not in {name for name, _ in _FIELD_WORDS}:
        return None
    for field, pattern in _FIELD_WORDS:
        if re.search(rf"\b({pattern})", lowered):
            return field
    return None


def restart_screening_slots() -> dict[str, Any]:
    return {"screening_reply": None, "screening_index": 0, "screening_answers": [],
            "screening_pending_follow_up": None}


def summary(tracker: Tracker) -> str:
    get = tracker.get_slot
    answers = [answer_from_slot(item) for item in get("screening_answers") or []]
    flagged = [a for a in answers if a.flagged]
    lines = [
        f"Here is what I'll send to {clinic().name}:",
        f"- Name: {get('full_name')}",
        f"- Date of birth: {get('birth')}",
        f"- Phone: {get('phone') if given(get('phone')) else 'not given'}",
        f"- Email: {get('email') if given(get('email')) else 'not given'}",
        f"- Contact by: {CONTACT_LABELS.get(get('preferred_contact'), get('preferred_contact'))}",
        f"- To treat: {get('concerns')}",
        f"- Best times: {get('preferred_time')}",
        f"- Health questions: {len(answers)} answered, {len(flagged)} for the practitioner to look at",
        f"- Other health notes: {get('health_notes') if get('health_notes') != NOTHING else 'none'}",
        "Is this correct? Type \"confirm\" to send it, or tell me what to change "
        "(for example \"change my phone number\").",
    ]
    return "\n".join(lines)


class ActionAskReviewConfirm(Action):
    def name(self) -> str:
        return "action_ask_review_confirm"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(
            text=summary(tracker),
            buttons=[{"title": "Confirm and send", "payload": "confirm"}, {"title": "Cancel", "payload": "/stop"}],
        )
        return []


class ActionAskPreferredContact(Action):
    """Offers only the ways the patient gave details for."""

    def name(self) -> str:
        return "action_ask_preferred_contact"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        methods = []
        phone = tracker.get_slot("phone")
        if given(phone):
            methods += ["phone"] if is_landline(phone) else ["phone", *NEEDS_MOBILE]
        if given(tracker.get_slot("email")):
            methods.append("email")
        dispatcher.utter_message(
            text="How would you like the clinic to contact you?",
            buttons=[{"title": CONTACT_LABELS[m], "payload": CONTACT_LABELS[m]} for m in methods],
        )
        return []
