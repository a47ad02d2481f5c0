"""The trained model behind Rasa's REST channel, with the real action server behind it."""

from __future__ import annotations

from bot.clinic import load_clinic
from bot.settings import get_settings

CLINIC = load_clinic(get_settings().clinic_config)


def test_greeting_comes_from_the_trained_model_with_the_clinic_name(rasa_stack, sender_id):
    messages = rasa_stack.send(sender_id, "hi")
    assert messages, "Rasa answered nothing"
    assert CLINIC.name in messages[0]["text"], "the clinic's name comes from action_session_start"
    assert {"title": "Book a consultation", "payload": "/request_consultation"} in messages[0]["buttons"]


def test_greeting_phrasing_not_in_training_data(rasa_stack, sender_id):
    texts = rasa_stack.texts(sender_id, "good morning to you!")
    assert CLINIC.name in texts[0]


def test_price_question_is_answered_by_the_action_server_from_clinic_config(rasa_stack, sender_id):
    texts = rasa_stack.texts(sender_id, "how much does microneedling cost?")
    joined = "\n".join(texts)
    for item in CLINIC.prices:
        assert item.price in joined


def test_opening_hours_come_from_clinic_config(rasa_stack, sender_id):
    joined = "\n".join(rasa_stack.texts(sender_id, "what are your opening hours"))
    assert CLINIC.hours[0].open in joined and CLINIC.hours[0].days in joined


def test_bot_challenge_says_it_is_a_virtual_assistant(rasa_stack, sender_id):
    joined = " ".join(rasa_stack.texts(sender_id, "am i talking to a real human?"))
    assert "virtual assistant" in joined and CLINIC.phone in joined


def test_help_lists_what_it_can_do(rasa_stack, sender_id):
    joined = " ".join(rasa_stack.texts(sender_id, "what can you do for me"))
    assert "consultation" in joined and "aftercare" in joined


def test_goodbye_and_thanks(rasa_stack, sender_id):
    assert "Goodbye" in rasa_stack.texts(sender_id, "ok bye then")[0]
    assert "welcome" in rasa_stack.texts(sender_id, "thank you very much")[0]


def test_gibberish_gets_a_kind_fallback_listing_what_it_can_do(rasa_stack, sender_id):
    joined = " ".join(rasa_stack.texts(sender_id, "xkqzv wplm trrr"))
    assert "microneedling" in joined and ("rephrase" in joined or "only help" in joined)


def test_emergency_is_answered_with_the_emergency_number_and_clinic_phone(rasa_stack, sender_id):
    joined = " ".join(rasa_stack.texts(sender_id, "my lips and throat are swelling and I can't breathe"))
    assert CLINIC.emergency_number in joined and CLINIC.phone in joined


def test_a_red_flag_inside_another_question_is_answered_as_the_red_flag(rasa_stack, sender_id):
    # The price words pull the trained model towards ask_price; the red-flag safety net at the end
    # of the pipeline (bot/nlu/red_flag_classifier.py) must still win.
    texts = rasa_stack.texts(sender_id, "how much is the treatment and what are the prices, my tongue is swelling up")
    assert CLINIC.emergency_number in texts[0]
    assert not any(item.price in " ".join(texts) for item in CLINIC.prices)


def test_worrying_sign_tells_the_patient_to_contact_the_clinic_today(rasa_stack, sender_id):
    joined = " ".join(rasa_stack.texts(sender_id, "it's day 4 and there's pus and the redness is getting worse"))
    assert "today" in joined and CLINIC.phone in joined


def test_a_very_long_message_gets_a_kind_answer(rasa_stack, sender_id):
    texts = rasa_stack.texts(sender_id, "hello " + "blah " * 2000)
    assert texts and all(texts)


def test_emoji_only_gets_a_kind_answer(rasa_stack, sender_id):
    joined = " ".join(rasa_stack.texts(sender_id, "🤔🤔🤔"))
    assert "microneedling" in joined


def test_the_emergency_answer_tells_the_widget_to_show_an_alert_with_the_number(rasa_stack, sender_id):
    messages = rasa_stack.send(sender_id, "my throat is swelling and I can't breathe")
    assert messages[0]["text"].startswith(f"EMERGENCY: call {CLINIC.emergency_number} now.")
    assert {"alert": "emergency", "call": CLINIC.emergency_number} in [m.get("custom") for m in messages]
