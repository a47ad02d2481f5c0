"""`validate_intake_form`: the intake's own answers (consent, date of birth, email, contact method,
concerns, the screening group by group, health notes, the review), on top of the contact fields
it shares with the callback form (`contact_fields.py`, which also says how a refused answer is
handled).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.config import clinic, screening_rules
from actions.intake.contact_fields import SKIP_WORDS, ContactFieldsValidation, consent_given, today, words
from actions.intake.review import FIELDS_TAKING_A_VALUE, field_to_change, new_value_in, restart_screening_slots
from actions.intake.screening import (
    current_question,
    screening_answers_so_far,
    screening_position,
    term_reader,
)
from actions.intake.slots import (
    CONFIRMED,
    NOTHING,
    SCREENING_DONE,
    SKIPPED,
    answer_to_slot,
    given,
)
from actions.session import language_of
from bot.intake import InvalidField, normalise_free_text, parse_birth, parse_contact_method, parse_email
from bot.intake.contact import NEEDS_MOBILE, is_landline
from bot.responses import own_text
from bot.screening.answers import interpret_yes_no
from bot.screening.groups import Question, apply_reply
from bot.screening.questions_about import AboutTheQuestion, explanation_for, question_about_the_question

NOTHING_WORDS = {"no", "nope", "none", "nothing", "nothing else", "no thanks", "n/a", "na", "not really", "nah", "-"} | {
    "nada", "nada más", "nada mas", "ninguna", "ninguno", "no gracias", "no, gracias", "nop", "nada que añadir",
}  # fmt: skip
CONFIRM_WORDS = {
    "confirm",
    "yes",
    "y",
    "yes please",
    "correct",
    "send",
    "send it",
    "looks good",
    "ok",
    "okay",
    "that's right",
    "all good",
    "confirm and send",
    "yep",
    "sure",
    # Spanish (the Spanish review asks for «confirmar»)
    "confirmar",
    "confirmo",
    "sí",
    "si",
    "sí, confirmar",
    "enviar",
    "envíelo",
    "envialo",
    "correcto",
    "está bien",
    "esta bien",
    "todo bien",
    "de acuerdo",
    "vale",
    "perfecto",
}


class ValidateIntakeForm(ContactFieldsValidation):
    def name(self) -> str:
        return "validate_intake_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        # Consent refused or an under-18: nothing more is asked; action_finish_intake explains.
        if tracker.get_slot("intake_stop_reason"):
            return []
        return domain_slots

    # 1. Consent ------------------------------------------------------------------------------
    def validate_intake_consent(self, value: Any, dispatcher, tracker, domain) -> dict[str, Any]:
        agreed = interpret_yes_no(value)
        if agreed is None:
            return self._retry(dispatcher, tracker, "intake_consent", "utter_answer_yes_or_no")
        if not agreed:
            return {"intake_consent": "no", "intake_stop_reason": "consent_refused"}
        return self._accepted({"intake_consent": "yes", **consent_given(tracker)})

    # 2. Details ------------------------------------------------------------------------------
    def validate_birth(self, value: Any, dispatcher, tracker, domain) -> dict[str, Any]:
        try:
            birth = parse_birth(value, today(), clinic().default_region)
        except InvalidField as problem:
            return self._refused(dispatcher, tracker, "birth", problem)
        if screening_rules().age.is_minor(birth.age):
            # Nothing is stored for under-18s; forget the name already given too.
            return {"birth": None, "full_name": None, "intake_stop_reason": "minor"}
        if birth.date_of_birth:
            shown = birth.date_of_birth.strftime("%d/%m/%Y")
        else:
            shown = own_text("utter_birth_as_age", language=language_of(tracker), age=birth.age)
        return self._accepted(
            {
                "birth": shown,
                "date_of_birth": birth.date_of_birth.isoformat() if birth.date_of_birth else None,
                "age": birth.age,
            }
        )

    def validate_email(self, value: Any, dispatcher, tracker, domain) -> dict[str, Any]:
        if words(value) in SKIP_WORDS:
            if not given(tracker.get_slot("phone")):
                return self._retry(dispatcher, tracker, "email", "utter_invalid_email_need_one")
            return self._accepted({"email": SKIPPED})
        email = parse_email(value)
        if email is None:
            return self._retry(dispatcher, tracker, "email", "utter_invalid_email")
        return self._accepted({"email": email})

    def validate_preferred_contact(self, value: Any, dispatcher, tracker, domain) -> dict[str, Any]:
        method = parse_contact_method(value)
        if method is None:
            return self._retry(dispatcher, tracker, "preferred_contact", "utter_invalid_preferred_contact")
        needs_phone = method != "email"
        if needs_phone and not given(tracker.get_slot("phone")):
            return self._retry(dispatcher, tracker, "preferred_contact", "utter_invalid_preferred_contact_no_phone")
        if method in NEEDS_MOBILE and is_landline(tracker.get_slot("phone")):
            return self._retry(dispatcher, tracker, "preferred_contact", "utter_invalid_preferred_contact_landline")
        if method == "email" and not given(tracker.get_slot("email")):
            return self._retry(dispatcher, tracker, "preferred_contact", "utter_invalid_preferred_contact_no_email")
        return self._accepted({"preferred_contact": method})

    def validate_concerns(self, value: Any, dispatcher, tracker, domain) -> dict[str, Any]:
        text = normalise_free_text(value, 500)
        if len(text) < 3 or not any(ch.isalpha() for ch in text):
            return self._retry(dispatcher, tracker, "concerns", "utter_invalid_concerns")
        return self._accepted({"concerns": text})

    # 3. Screening: one slot asked once per question (a group, an item or a follow-up) ------------
    def validate_screening_reply(self, value: Any, dispatcher, tracker, domain) -> dict[str, Any]:
        question = current_question(tracker)
        if question is None:
            return {"screening_reply": SCREENING_DONE}
        about = question_about_the_question(value)
        if about is not None:  # answered, and the form asks the same question again
            asked = current_question(tracker, language_of(tracker))  # the same question, as the patient read it
            self._answer_about_the_question(dispatcher, tracker, about, asked, str(value or ""))
            return {"screening_reply": None}
        # Read with the rules' own texts, whatever the conversation's language: the answers keep
        # each question as staff read it on the dashboard (the readers know both languages' words).
        step = apply_reply(
            screening_rules(),
            screening_position(tracker),
            screening_answers_so_far(tracker),
            value,
            today(),
            term_reader().findings,
        )
        if step is None:
            return self._retry(
                dispatcher, tracker, "screening_reply", f"utter_invalid_screening_{question.asking.value}"
            )
        if step.one_at_a_time_now:
            dispatcher.utter_message(response="utter_screening_one_at_a_time")
        if step.unsure:
            dispatcher.utter_message(response="utter_screening_unsure_noted")
        return self._accepted(
            {
                "screening_reply": SCREENING_DONE if step.done else None,
                "screening_answers": [answer_to_slot(answer) for answer in step.answers],
                "screening_index": step.position.group_index,
                "screening_one_at_a_time": step.position.one_at_a_time,
            }
        )

    @staticmethod
    def _answer_about_the_question(dispatcher, tracker, about: AboutTheQuestion, question: Question, text: str) -> None:
        if about is AboutTheQuestion.PROGRESS:
            total = len(screening_rules().groups)
            dispatcher.utter_message(
                response="utter_screening_progress", number=question.part, total=total, remaining=total - question.part
            )
            return
        explanation = explanation_for(question, text)
        response = "utter_screening_why" if about is AboutTheQuestion.WHY else "utter_screening_meaning"
        dispatcher.utter_message(response=response, explanation=explanation)

    def validate_health_notes(self, value: Any, dispatcher, tracker, domain) -> dict[str, Any]:
        if words(value) in NOTHING_WORDS:
            return self._accepted({"health_notes": NOTHING})
        text = normalise_free_text(value, 2000)
        if not text:
            return self._retry(dispatcher, tracker, "health_notes", "utter_invalid_health_notes")
        return self._accepted({"health_notes": text})

    # 4. Review: confirm, or name one field to change -----------------------------------------
    def validate_review_confirm(self, value: Any, dispatcher, tracker, domain) -> dict[str, Any]:
        if words(value) in CONFIRM_WORDS:
            return self._accepted({"review_confirm": CONFIRMED})
        field = field_to_change(str(value or ""))
        if field == "screening":
            dispatcher.utter_message(response="utter_screening_again")
            return {**restart_screening_slots(), "review_confirm": None}
        value = new_value_in(str(value or "")) if field in FIELDS_TAKING_A_VALUE else None
        if field and value:
            corrected = getattr(self, f"validate_{field}")(value, dispatcher, tracker, domain)
            if corrected.get(field) is not None:  # valid: back to the summary, with the new value
                return {**corrected, "review_confirm": None}
            return {**corrected, field: None, "review_confirm": None}  # the hint was given; ask for it
        if field:
            return {field: None, "review_confirm": None}
        return self._retry(dispatcher, tracker, "review_confirm", "utter_invalid_review_confirm")
