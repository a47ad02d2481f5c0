"""A callback request ("can someone call me?"): consent to keep the contact details for that
purpose, name, phone and a good time, then stored for the staff dashboard. No health questions."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.config import settings
from actions.intake.contact_fields import ContactFieldsValidation, consent_given
from actions.intake.finish import notify_staff
from actions.intake.slots import forget_conversation
from actions.request_limits import may_store_request
from actions.session import language_of
from bot.channels import channel_of
from bot.db.callbacks import CallbackSubmission, save_callback
from bot.screening.answers import interpret_yes_no

log = logging.getLogger(__name__)


class ValidateCallbackForm(ContactFieldsValidation):
    phone_optional = False  # the whole point is a call

    def name(self) -> str:
        return "validate_callback_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        return [] if tracker.get_slot("callback_consent") == "no" else domain_slots

    def validate_callback_consent(self, value: Any, dispatcher, tracker, domain) -> dict[str, Any]:
        agreed = interpret_yes_no(value)
        if agreed is None:
            return self._retry(dispatcher, tracker, "callback_consent", "utter_answer_yes_or_no")
        if not agreed:
            return {"callback_consent": "no"}
        return self._accepted({"callback_consent": "yes", **consent_given(tracker)})


class ActionFinishCallback(Action):
    def name(self) -> str:
        return "action_finish_callback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        if tracker.get_slot("callback_consent") != "yes":
            dispatcher.utter_message(response="utter_callback_declined")
            return forget_conversation(dispatcher)
        if not await may_store_request(tracker):
            dispatcher.utter_message(response="utter_request_limit_reached")
            return forget_conversation(dispatcher)
        submission = CallbackSubmission(
            idempotency_key=f"{tracker.sender_id}:callback:{tracker.get_slot('intake_started_at')}",
            channel=channel_of(tracker.sender_id, tracker.get_latest_input_channel()),
            conversation_id=tracker.sender_id,
            name=tracker.get_slot("full_name"),
            phone=tracker.get_slot("phone"),
            preferred_time=tracker.get_slot("preferred_time") or "",
            consent_at=datetime.fromisoformat(tracker.get_slot("consent_at")),
            consent_version=tracker.get_slot("consent_version"),
            consent_text=tracker.get_slot("consent_text"),
            language=language_of(tracker),
        )
        url = settings().database_url
        try:
            saved = await asyncio.to_thread(save_callback, url, submission)
        except Exception as error:  # keep the details so asking again needs no retyping
            log.warning("could not store callback request (%s)", type(error).__name__)
            dispatcher.utter_message(response="utter_callback_not_saved")
            return []
        dispatcher.utter_message(
            response="utter_callback_stored", reference=saved.reference, preferred_time=submission.preferred_time
        )
        if saved.created:
            await notify_staff(saved.reference, "callback requested", submission.channel, submission.language)
        return forget_conversation(dispatcher)
