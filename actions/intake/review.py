"""The summary the patient checks before sending, and reading which field they want to change."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.config import screening_rules
from actions.intake.slots import NOTHING, answer_from_slot, given
from actions.session import language_of
from bot.intake.contact import CONTACT_METHODS, NEEDS_MOBILE, is_landline
from bot.responses import response_text
from bot.screening.answers import RuleAnswer

# Words a patient uses for each field, checked in this order ("contact number" is the phone).
_FIELD_WORDS = (
    ("phone", r"phone|mobile|number|cell|tel|móvil|movil|celular|número|numero"),
    ("email", r"e-?mail|mail address|correo"),
    ("preferred_contact", r"contact|reach|method|prefer|forma de contacto"),
    ("birth", r"birth|dob|born|age|birthday|nacimiento|nací|naci|edad|cumpleaños"),
    ("full_name", r"name|surname|spelling|nombre|apellido"),
    ("concerns", r"concern|treat|area|improve|scar|skin|tratar|zona|mejorar|cicatri|piel"),
    (
        "preferred_time",
        r"time|day|when|availab|slot|morning|evening|afternoon|hora|día|dia|cuándo|cuando|disponib|mañana|tarde",
    ),
    ("health_notes", r"note|medic|allerg|anything else|health note|nota|alergi"),
    ("screening", r"screening|health question|health answer|question|answer|preguntas de salud|pregunta|respuesta"),
)
_CHANGE = re.compile(
    r"\b(change|correct|fix|update|edit|wrong|mistake|amend|redo"
    r"|cambiar|cambia|cambie|corregir|corrija|corrige|arreglar|modificar|editar|equivocad\w*|error)\b",
    re.IGNORECASE,
)


# "change my phone to 07911 123456": what follows "to" / "is" / ":" is the new value.
_NEW_VALUE = re.compile(
    r"\b(?:to|is|should be|into|with|a|es|por|sería|seria)\b\s*:?\s*(.+)$|:\s*(.+)$", re.IGNORECASE | re.DOTALL
)
FIELDS_TAKING_A_VALUE = ("phone", "email", "full_name", "birth", "preferred_time", "concerns", "preferred_contact")


def new_value_in(text: str) -> str | None:
    """The new value a correction gives in the same message, if any."""
    match = _NEW_VALUE.search(text)
    value = (match.group(1) or match.group(2)).strip() if match else ""
    if re.fullmatch(r"(?:wrong|incorrect|a mistake|mistaken|not right)\W*", value, re.IGNORECASE):
        return None  # "my phone is wrong": a field to change, not its new value
    return value or None


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
    return {"screening_reply": None, "screening_index": 0, "screening_answers": [], "screening_one_at_a_time": None}


SHORT_ANSWER = 60


def _quoted(text: str) -> str:
    text = " ".join(text.split())
    return f'"{text if len(text) <= SHORT_ANSWER else text[: SHORT_ANSWER - 1].rstrip() + "…"}"'


def health_answer_lines(answers: list[RuleAnswer], say: Callable[..., str], language: str = "en") -> list[str]:
    """Every yes or not-sure answer in the patient's own words, then the noes as one line.
    `say(response, **values)` gives a response's words for this conversation, in `language`."""
    rules = screening_rules().in_language(language)
    lines = []
    for answer in answers:
        if not (answer.affirmed or answer.unsure):
            continue
        rule = rules.get(answer.rule_id)
        said = _quoted(answer.answer_text)
        if answer.unsure:
            said = f"{say('utter_review_not_sure')} {said}"
        if answer.follow_up:
            said += ", " + say("utter_review_last_dose", when=_quoted(answer.follow_up))
        lines.append(f"  - {rule.short if rule else answer.rule_id}: {said}")
    noes = len(answers) - len(lines)
    if noes:
        if not lines:
            lines.append(
                "  - " + (say("utter_review_no_to_all", count=noes) if noes > 1 else say("utter_review_no_to_the_one"))
            )
        elif noes == 1:
            lines.append("  - " + say("utter_review_no_to_the_other_one"))
        else:
            lines.append("  - " + say("utter_review_no_to_the_other", count=noes))
    return lines


def contact_label(say: Callable[..., str], method: str) -> str:
    return say(f"utter_contact_method_{method}") if method in CONTACT_METHODS else method


def speaker(tracker: Tracker, domain: dict[str, Any]) -> Callable[..., str]:
    """`say(response, **values)`: a response's words as this conversation would get them (the
    variation for its slots, `language` among them)."""
    slots = {**tracker.current_slot_values(), "language": language_of(tracker)}
    return lambda response, **values: response_text(domain, slots, response, **values)


def summary_values(tracker: Tracker, domain: dict[str, Any]) -> dict[str, str]:
    """The variables of `utter_review_summary`: each field as the patient will see it."""
    get = tracker.get_slot
    say = speaker(tracker, domain)
    answers = [answer_from_slot(item) for item in get("screening_answers") or []]
    return {
        "phone_shown": get("phone") if given(get("phone")) else say("utter_review_not_given"),
        "email_shown": get("email") if given(get("email")) else say("utter_review_not_given"),
        "contact_shown": contact_label(say, get("preferred_contact") or ""),
        "health_answers": "\n".join(health_answer_lines(answers, say, language_of(tracker))),
        "notes_shown": get("health_notes") if get("health_notes") != NOTHING else say("utter_review_no_notes"),
    }


class ActionAskReviewConfirm(Action):
    def name(self) -> str:
        return "action_ask_review_confirm"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        dispatcher.utter_message(response="utter_review_summary", **summary_values(tracker, domain))
        return []


class ActionAskPreferredContact(Action):
    """Offers only the ways the patient gave details for."""

    def name(self) -> str:
        return "action_ask_preferred_contact"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        methods = []
        phone = tracker.get_slot("phone")
        if given(phone):
            methods += ["phone"] if is_landline(phone) else ["phone", *NEEDS_MOBILE]
        if given(tracker.get_slot("email")):
            methods.append("email")
        say = speaker(tracker, domain)
        # The label is sent back as typed text, read like any answer (parse_contact_method).
        labels = [contact_label(say, method) for method in methods]
        dispatcher.utter_message(
            response="utter_which_contact", buttons=[{"title": label, "payload": label} for label in labels]
        )
        return []
