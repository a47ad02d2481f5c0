"""Validators shared by every form that collects contact details (the intake and the callback).

Each validator returns the clean value, or None with a short, kind hint; the form then asks the
question again. A confident FAQ question instead of an answer is answered first.
"""

from __future__ import annotations

from abc import abstractmethod
from datetime import date, datetime, timezone
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from actions.config import clinic
from actions.intake.interruptions import answer_interruption
from actions.intake.slots import SKIPPED
from bot.consent import consent_version
from bot.intake import InvalidField, normalise_free_text, parse_name, parse_phone

SKIP_WORDS = {"skip", "no", "none", "n/a", "na", "no thanks", "rather not", "i'd rather not", "pass", "-"} | {
    "saltar", "omitir", "no gracias", "no, gracias", "prefiero no", "paso", "ninguno",
}  # fmt: skip
TRIES_BEFORE_HELP = 3


def today() -> date:
    return datetime.now(timezone.utc).date()


def words(value: Any) -> str:
    return " ".join(str(value or "").lower().strip(" .!").split())


def consent_given(tracker: Tracker) -> dict[str, Any]:
    """The slots that record a consent just given: when, and to which words. The words are the
    bot's latest utterance, the consent question as this patient saw it (the clinic's name
    rendered in): validation runs on the answer to it, and a question answered in between is
    followed by the consent question again before the patient can agree."""
    now = datetime.now(timezone.utc).isoformat()
    shown = next(
        (event.get("text") for event in reversed(tracker.events) if event.get("event") == "bot" and event.get("text")),
        None,
    )
    return {
        "consent_at": now,
        "consent_text": shown,
        "consent_version": consent_version(shown) if shown else None,
        "intake_started_at": tracker.get_slot("intake_started_at") or now,
    }


class ContactFieldsValidation(FormValidationAction):
    """Abstract (rasa-sdk registers only concrete actions): each form names itself."""

    # Whether the patient may skip the phone number (the intake can use email instead).
    phone_optional = True

    @abstractmethod
    def name(self) -> str: ...

    def _retry(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, slot: str, hint: str, **values: Any
    ) -> dict[str, Any]:
        """The answer was not usable: answer a question if it was one, else a kind hint (the domain
        response `hint`, with its variables); ask again."""
        if not answer_interruption(dispatcher, tracker):
            attempts = int(tracker.get_slot("invalid_attempts") or 0) + 1
            dispatcher.utter_message(response=hint, **values)
            if attempts >= TRIES_BEFORE_HELP:
                dispatcher.utter_message(response="utter_retry_help")
            return {slot: None, "invalid_attempts": attempts}
        return {slot: None}

    def _refused(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, slot: str, problem: InvalidField
    ) -> dict[str, Any]:
        return self._retry(dispatcher, tracker, slot, problem.response, **problem.values)

    @staticmethod
    def _accepted(values: dict[str, Any]) -> dict[str, Any]:
        return {**values, "invalid_attempts": 0}

    def validate_full_name(self, value: Any, dispatcher, tracker, domain) -> dict[str, Any]:
        try:
            return self._accepted({"full_name": parse_name(value)})
        except InvalidField as problem:
            return self._refused(dispatcher, tracker, "full_name", problem)

    def validate_phone(self, value: Any, dispatcher, tracker, domain) -> dict[str, Any]:
        if words(value) in SKIP_WORDS:
            if not self.phone_optional:
                return self._retry(dispatcher, tracker, "phone", "utter_invalid_phone_required")
            if tracker.get_slot("email") == SKIPPED:  # a correction: the email was skipped already
                return self._retry(dispatcher, tracker, "phone", "utter_invalid_phone_need_one")
            return self._accepted({"phone": SKIPPED})
        phone = parse_phone(value, clinic().default_region)
        if phone is None:
            return self._retry(dispatcher, tracker, "phone", "utter_invalid_phone")
        return self._accepted({"phone": phone})

    def validate_preferred_time(self, value: Any, dispatcher, tracker, domain) -> dict[str, Any]:
        text = normalise_free_text(value, 200)
        if len(text) < 2 or not any(ch.isalnum() for ch in text):
            return self._retry(dispatcher, tracker, "preferred_time", "utter_invalid_preferred_time")
        return self._accepted({"preferred_time": text})
