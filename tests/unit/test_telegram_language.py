"""Which language the Telegram bridge answers an update in, and that its own replies are said in it."""

from __future__ import annotations

import pytest
from telegram import Update

import bot.telegram.replies as replies
from bot.clinic import load_clinic
from bot.settings import get_settings
from bot.telegram.bridge import _language_of

CLINIC = load_clinic(get_settings().clinic_config)


def update(text: str | None = "hi", language_code: str | None = None) -> Update:
    user = {"id": 7, "is_bot": False, "first_name": "Patient"}
    if language_code is not None:
        user["language_code"] = language_code
    message = {"message_id": 1, "date": 0, "chat": {"id": 7, "type": "private"}, "from": user}
    if text is not None:
        message["text"] = text
    return Update.de_json({"update_id": 1, "message": message}, None)


@pytest.mark.parametrize(
    ("text", "language_code", "language"),
    [
        ("/greet", "es", "es"),  # a command says no language: the patient's app's
        ("/greet", "es-419", "es"),
        ("/greet", "pt-BR", "en"),
        ("/greet", None, "en"),
        ("hola", "en", "es"),  # what they write wins
        ("does it hurt?", "es", "en"),
        (None, "es", "es"),  # a photo: the app's
    ],
)
def test_the_bridge_answers_in_the_message_s_language_else_the_patient_s_app_s(text, language_code, language):
    upd = update(text, language_code)
    assert _language_of(upd, upd.effective_message.text) == language


def test_the_bridge_s_own_replies_are_said_in_the_language_it_is_given(monkeypatch):
    spoken: list[tuple[str, str]] = []
    real = replies.own_text

    def spy(name, language="en", **values):
        spoken.append((name, language))
        return real(name, language, **values)

    monkeypatch.setattr(replies, "own_text", spy)
    assert "Sí" in replies.say(replies.YOU_CHOSE, "es", title="Sí")
    replies.trouble(CLINIC, "es")
    replies.help_text(CLINIC, "es")
    replies.say(replies.ONLY_TEXT)
    assert spoken == [
        ("utter_telegram_you_chose", "es"),
        ("utter_telegram_trouble", "es"),
        ("utter_telegram_help", "es"),
        ("utter_telegram_only_text", "en"),
    ]
