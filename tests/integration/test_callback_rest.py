"""Talking to a person: the clinic's contact details, then a stored callback request."""

from __future__ import annotations

from bot.clinic import load_clinic
from bot.db.callbacks import list_callbacks
from bot.settings import get_settings

CLINIC = load_clinic(get_settings().clinic_config)


def test_asking_for_a_person_gives_contact_details_and_offers_a_callback(rasa_stack, sender_id):
    messages = rasa_stack.send(sender_id, "I want to talk to a real person")
    assert CLINIC.phone in messages[0]["text"] and CLINIC.email in messages[0]["text"]
    assert {"title": "Ask them to call me back", "payload": "/request_callback"} in messages[0]["buttons"]


def test_a_callback_request_is_stored_with_the_number_normalised(rasa_stack, sender_id):
    before = len(list_callbacks(rasa_stack.database_url))
    send = lambda text: rasa_stack.texts(sender_id, text)  # noqa: E731
    assert "call you back" in send("/request_callback")[-1]
    assert "full name" in send("yes")[-1]
    assert "What number" in send("Ravi Shah")[-1]
    assert any("need a phone number" in text for text in send("skip"))
    assert "good time to call" in send("07911 123456")[-1]
    final = send("weekday mornings")[-1]
    assert "call you back" in final and "CB-" in final
    callbacks = list_callbacks(rasa_stack.database_url)
    assert len(callbacks) == before + 1
    stored = next(c for c in callbacks if c.conversation_id == sender_id)
    assert (stored.name, stored.phone, stored.preferred_time) == ("Ravi Shah", "+447911123456", "weekday mornings")
    assert stored.status == "new" and stored.channel == "rest"


def test_a_callback_without_consent_stores_nothing(rasa_stack, sender_id):
    before = len(list_callbacks(rasa_stack.database_url))
    rasa_stack.send(sender_id, "can someone call me back")
    final = rasa_stack.texts(sender_id, "no")[-1]
    assert "nothing has been stored" in final and CLINIC.phone in final
    assert len(list_callbacks(rasa_stack.database_url)) == before


def test_an_emergency_during_a_callback_request_is_answered_first_and_pauses_it(rasa_stack, sender_id):
    rasa_stack.send(sender_id, "can someone call me back")
    rasa_stack.send(sender_id, "yes")
    texts = rasa_stack.texts(sender_id, "I can't breathe and my tongue is swelling")
    assert texts[0].startswith(f"EMERGENCY: call {CLINIC.emergency_number} now.")
    assert "paused your callback request" in texts[-1] and len(texts) == 2
    assert "full name" in rasa_stack.texts(sender_id, "/request_callback")[-1], "carries on where it was"
