"""Drives a whole intake through the REST channel by reading what the bot asks, as a patient would."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.screening.rules import load_rules
from bot.settings import get_settings

RULES = load_rules(get_settings().screening_rules)


@dataclass
class Patient:
    consent: str = "yes"
    name: str = "Jane Smith"
    birth: str = "14/03/1985"
    phone: str = "07911 123456"
    email: str = "jane.smith@example.com"
    contact: str = "Phone call"
    concerns: str = "acne scars on my cheeks"
    preferred_time: str = "weekday evenings"
    screening: dict[str, str] = field(default_factory=dict)  # rule id -> answer; others "no"
    none_of_these: str = "None of these"  # the reply to a group none of whose items apply
    group_replies: dict[str, str] = field(default_factory=dict)  # group id -> the reply in own words
    follow_ups: dict[str, str] = field(default_factory=dict)  # rule id -> follow-up answer
    health_notes: str = "no"
    review: list[str] = field(default_factory=lambda: ["confirm"])  # answers to the summary, in turn


def reply_for(patient: Patient, bot_text: str) -> str | None:
    """The patient's answer to the bot's last question, or None when the intake is over."""
    text = bot_text
    if "Your reference is" in text or "nothing has been stored" in text.lower():
        return None
    if "Do you agree" in text:
        return patient.consent
    if "full name" in text:
        return patient.name
    if "date of birth" in text:
        return patient.birth
    if "phone number can the clinic" in text:
        return patient.phone
    if "email address?" in text:
        return patient.email
    if "How would you like the clinic to contact you" in text:
        return patient.contact
    if "What would you like to improve" in text:
        return patient.concerns
    if "Which days or times" in text:
        return patient.preferred_time
    if "Here is what I'll send" in text:
        return patient.review.pop(0) if patient.review else "confirm"
    if "anything else about your health" in text:
        return patient.health_notes
    for group in RULES.groups:
        if f": {group.title}.\n{group.question}\n" in text:
            return group_reply(patient, group)
    for rule in RULES:
        if rule.follow_up and rule.follow_up.question in text:
            return patient.follow_ups.get(rule.id, "more than a year ago")
        if f": {rule.question}" in text:
            return patient.screening.get(rule.id, "no")
    raise AssertionError(f"the test patient does not know how to answer: {text!r}")


def group_reply(patient: Patient, group) -> str:
    """A group's list: "None of these", the numbers of the items that are a plain yes, or "not sure"
    to be asked the items one at a time, where each gets the patient's own words."""
    if group.id in patient.group_replies:
        return patient.group_replies[group.id]
    said = {rule.id: patient.screening[rule.id] for rule in group.rules if patient.screening.get(rule.id, "no") != "no"}
    if not said:
        return patient.none_of_these
    if set(said.values()) == {"yes"}:
        return " and ".join(str(number) for number, rule in enumerate(group.rules, 1) if rule.id in said)
    return "not sure"


def run_intake(
    send: Callable[[str], list[dict]],
    patient: Patient,
    opening: str = "I'd like to book a consultation",
    max_turns: int = 80,
) -> list[str]:
    """Sends the opening and answers every question; returns everything the bot said."""
    transcript: list[str] = []
    messages = send(opening)
    for _ in range(max_turns):
        texts = [m.get("text", "") for m in messages if m.get("text")]
        transcript += texts
        assert texts, "the bot stopped answering in the middle of the intake"
        answer = reply_for(patient, texts[-1])
        if answer is None:
            return transcript
        messages = send(answer)
    raise AssertionError("the intake did not finish")
