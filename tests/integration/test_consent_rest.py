"""Demonstrable consent through the real stack: a request and a callback request are stored with
the version of the exact consent question the patient saw, and that text is kept with it."""

from __future__ import annotations

import json

from bot.clinic import load_clinic
from bot.consent import consent_version
from bot.db.callbacks import list_callbacks
from bot.settings import get_settings
from tests.support.conversation import Patient, run_intake

CLINIC = load_clinic(get_settings().clinic_config)


def test_a_request_is_stored_with_the_version_of_the_consent_text_shown(rasa_stack, sender_id):
    transcript = run_intake(lambda text: rasa_stack.send(sender_id, text), Patient(name="Grace Hopper"))
    [shown] = [text for text in transcript if "Do you agree" in text]
    assert CLINIC.name in shown  # rendered as the patient saw it, not the template
    [stored] = [r for r in json.loads(rasa_stack.export()) if r["name"] == "Grace Hopper"]
    assert stored["consent_text"] == shown
    assert stored["consent_version"] == consent_version(shown) and stored["consent_at"]


def test_a_callback_is_stored_with_the_version_of_the_consent_text_shown(rasa_stack, sender_id):
    shown = rasa_stack.texts(sender_id, "/request_callback")[-1]
    assert "call you back" in shown and CLINIC.name in shown
    for answer in ("yes", "Ada Lovelace", "07911 123456", "weekday mornings"):
        rasa_stack.send(sender_id, answer)
    [stored] = [c for c in list_callbacks(rasa_stack.database_url) if c.conversation_id == sender_id]
    assert stored.consent_version == consent_version(shown) and stored.consent_text.text == shown
