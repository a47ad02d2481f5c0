"""What happens when the intake form ends: consent refused, an under-18, or a confirmed request
that is stored (once, whatever is retried) and then removed from the conversation."""

from __future__ import annotations

import asyncio
import logging
from datetime import date, datetime
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.config import screening_rules, settings
from actions.intake.outcome_messages import notes_for, notes_text, outcome_response
from actions.intake.screening import term_reader
from actions.intake.slots import CONFIRMED, NOTHING, answer_from_slot, forget_conversation, given
from actions.request_limits import may_store_request
from actions.session import language_of
from bot.channels import channel_of
from bot.consultation import IntakeSubmission
from bot.db.consultations import save_submission
from bot.screening.answers import RuleAnswer

log = logging.getLogger(__name__)


def screening_answers(tracker: Tracker) -> list[RuleAnswer]:
    """Answers to the questions, plus what the free-text health notes raise that they did not."""
    answers = [answer_from_slot(item) for item in tracker.get_slot("screening_answers") or []]
    notes = tracker.get_slot("health_notes")
    if notes and notes != NOTHING:
        already = {a.rule_id for a in answers if a.affirmed}
        answers += [flag for flag in term_reader().flags(notes) if flag.rule_id not in already]
    age, limits = tracker.get_slot("age"), screening_rules().age
    if age is not None and limits.is_young_adult(int(age)):
        answers.append(
            RuleAnswer(
                rule_id=limits.young_adult_rule,
                answer_text=str(tracker.get_slot("birth")),
                affirmed=True,
                level=limits.young_adult_level,
                question=limits.young_adult_label,
            )
        )
    return answers


def submission_from(tracker: Tracker) -> IntakeSubmission:
    get = tracker.get_slot
    dob = get("date_of_birth")
    notes = get("health_notes")
    return IntakeSubmission(
        idempotency_key=f"{tracker.sender_id}:{get('intake_started_at')}",
        channel=channel_of(tracker.sender_id, tracker.get_latest_input_channel()),
        conversation_id=tracker.sender_id,
        name=get("full_name"),
        preferred_contact=get("preferred_contact"),
        concerns=get("concerns"),
        consent_at=datetime.fromisoformat(get("consent_at")),
        date_of_birth=date.fromisoformat(dob) if dob else None,
        age=int(get("age")) if get("age") is not None else None,
        minimum_age=screening_rules().age.minimum,
        phone=get("phone") if given(get("phone")) else None,
        email=get("email") if given(get("email")) else None,
        preferred_time=get("preferred_time") or "",
        health_notes="" if notes in (None, NOTHING) else notes,
        answers=screening_answers(tracker),
        consent_version=get("consent_version"),
        consent_text=get("consent_text"),
        language=language_of(tracker),
    )


async def notify_staff(reference: str, outcome: str, channel: str, language: str = "en") -> None:
    try:
        from bot.telegram.staff_notice import notify_new_request
    except ImportError:
        return
    try:
        await asyncio.wait_for(notify_new_request(reference, outcome, channel, language), timeout=10)
    except asyncio.TimeoutError:
        log.warning("staff notice for %s timed out", reference)


class ActionFinishIntake(Action):
    def name(self) -> str:
        return "action_finish_intake"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        reason = tracker.get_slot("intake_stop_reason")
        if reason == "consent_refused":
            dispatcher.utter_message(response="utter_intake_consent_refused")
            return forget_conversation(dispatcher)
        if reason == "minor":
            dispatcher.utter_message(response="utter_intake_minor")
            return forget_conversation(dispatcher)
        if tracker.get_slot("review_confirm") != CONFIRMED:
            return forget_conversation(dispatcher)
        return await self._store(dispatcher, tracker)

    async def _store(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        if not await may_store_request(tracker):
            dispatcher.utter_message(response="utter_request_limit_reached")
            return forget_conversation(dispatcher)
        submission = submission_from(tracker)
        url = settings().database_url
        try:
            saved = await asyncio.to_thread(save_submission, url, submission)
        except Exception as error:  # StorageUnavailable or anything else: keep the answers, offer a retry
            log.warning("could not store intake (%s)", type(error).__name__)
            dispatcher.utter_message(response="utter_request_not_saved")
            # Back to the summary: the form asks to confirm again.
            return [SlotSet("review_confirm", None), FollowupAction("intake_form")]
        notes = notes_for(submission.answers, screening_rules().in_language(language_of(tracker)))
        dispatcher.utter_message(
            response=outcome_response(submission.outcome), reference=saved.reference, notes=notes_text(notes)
        )
        if saved.created:
            await notify_staff(saved.reference, saved.outcome, submission.channel, submission.language)
        return forget_conversation(dispatcher)
