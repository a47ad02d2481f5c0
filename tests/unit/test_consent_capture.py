"""Both forms record which consent text was agreed to: the bot's consent question as the
patient saw it (its latest utterance), with the version of that exact text."""

from __future__ import annotations

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.callback import ValidateCallbackForm
from actions.intake.form import ValidateIntakeForm
from actions.intake.slots import INTAKE_SLOTS
from bot.consent import consent_version

ASKED = "Your answers are seen only by Test Clinic's staff.\nDo you agree to share this information?"


def tracker(form: str, events: list[dict]) -> Tracker:
    message = {"text": "yes", "intent": {"name": "affirm", "confidence": 0.99}}
    return Tracker("test", {}, message, events, False, None, {"name": form}, "action_listen")


def bot(text: str) -> dict:
    return {"event": "bot", "text": text, "data": {}}


@pytest.mark.parametrize(
    ("form", "validator", "slot"),
    [
        ("intake_form", ValidateIntakeForm(), "intake_consent"),
        ("callback_form", ValidateCallbackForm(), "callback_consent"),
    ],
)
def test_agreeing_records_the_consent_question_just_shown_and_its_version(form, validator, slot):
    events = [
        bot("Hello! How can I help?"),
        {"event": "user", "text": "book"},
        bot("Sure."),
        bot(ASKED),
        {"event": "user", "text": "yes"},
    ]
    result = getattr(validator, f"validate_{slot}")("yes", CollectingDispatcher(), tracker(form, events), {})
    assert result[slot] == "yes" and result["consent_at"]
    assert result["consent_text"] == ASKED
    assert result["consent_version"] == consent_version(ASKED)


def test_refusing_records_no_consent_text():
    events = [bot(ASKED), {"event": "user", "text": "no"}]
    result = ValidateIntakeForm().validate_intake_consent(
        "no", CollectingDispatcher(), tracker("intake_form", events), {}
    )
    assert "consent_text" not in result and "consent_version" not in result


def test_the_consent_slots_are_cleared_with_the_rest_of_the_intake():
    assert {"consent_at", "consent_version", "consent_text"} <= set(INTAKE_SLOTS)
