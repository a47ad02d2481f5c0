"""The intake's slots: which ones hold personal data, and how screening answers travel in a slot."""

from __future__ import annotations

from typing import Any

from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.screening.answers import RuleAnswer
from bot.screening.rules import Level

# Everything the intake (and the callback form) collects or derives. Cleared when the form ends; the conversation
# itself, which still holds every typed answer in its events, is then deleted by `forget_conversation`.
INTAKE_SLOTS = (
    "intake_consent",
    "callback_consent",
    "full_name",
    "birth",
    "phone",
    "email",
    "preferred_contact",
    "concerns",
    "preferred_time",
    "screening_reply",
    "health_notes",
    "review_confirm",
    "date_of_birth",
    "age",
    "consent_at",
    "intake_started_at",
    "intake_stop_reason",
    "screening_one_at_a_time",
    "screening_answers",
    "intake_field_to_change",
    "consent_version",
    "consent_text",
)
SKIPPED = "skipped"
NOTHING = "none"
SCREENING_DONE = "done"
CONFIRMED = "confirmed"


def reset_intake() -> list[EventType]:
    return [SlotSet(name, None) for name in INTAKE_SLOTS] + [
        SlotSet("screening_index", 0),
        SlotSet("invalid_attempts", 0),
        SlotSet("requested_slot", None),
    ]


def forget_conversation(dispatcher: CollectingDispatcher) -> list[EventType]:
    """Ends a form for good: the marker message makes Rasa's tracker store delete this conversation
    once the turn is saved, and tells the widget and its relay to forget their copies.
    Call it after the patient's last message of the form, so they still see it."""
    dispatcher.utter_message(response="utter_forget_conversation")
    return reset_intake()


def answer_to_slot(answer: RuleAnswer) -> dict[str, Any]:
    return {
        "rule_id": answer.rule_id,
        "answer_text": answer.answer_text,
        "affirmed": answer.affirmed,
        "level": answer.level.value if answer.level else None,
        "follow_up": answer.follow_up,
        "question": answer.question,
        "awaiting_follow_up": answer.awaiting_follow_up,
        "unsure": answer.unsure,
    }


def answer_from_slot(value: dict[str, Any]) -> RuleAnswer:
    level = value.get("level")
    return RuleAnswer(
        rule_id=value["rule_id"],
        answer_text=value.get("answer_text", ""),
        affirmed=bool(value.get("affirmed")),
        level=Level(level) if level else None,
        follow_up=value.get("follow_up"),
        question=value.get("question", ""),
        awaiting_follow_up=bool(value.get("awaiting_follow_up")),
        unsure=bool(value.get("unsure")),
    )


def given(value: Any) -> bool:
    """A contact detail the patient actually gave (not skipped, not empty)."""
    return bool(value) and value not in (SKIPPED, NOTHING)
