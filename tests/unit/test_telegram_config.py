"""Reading the bridge's settings from the environment, with one clear sentence per mistake."""

from __future__ import annotations

import pytest

from bot.clinic import load_clinic
from bot.settings import get_settings
from bot.telegram.config import DEFAULT_BASE_URL, TelegramConfigError, bridge_enabled, load_config
from bot.telegram.replies import help_text, trouble

TOKEN = "123:abc"


def test_polling_by_default_with_telegrams_own_server():
    config = load_config({"TELEGRAM_BOT_TOKEN": TOKEN})
    assert not config.uses_webhook
    assert config.base_url == DEFAULT_BASE_URL and config.webhook_port == 8443


def test_missing_token_is_reported_and_disables_the_bridge():
    assert bridge_enabled({}) is False and bridge_enabled({"TELEGRAM_BOT_TOKEN": " "}) is False
    assert bridge_enabled({"TELEGRAM_BOT_TOKEN": TOKEN}) is True
    with pytest.raises(TelegramConfigError, match="TELEGRAM_BOT_TOKEN is not set"):
        load_config({})


def test_webhook_mode_takes_its_path_from_the_public_url():
    config = load_config(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_WEBHOOK_URL": "https://clinic.example/tg/hook",
            "TELEGRAM_WEBHOOK_SECRET": "abc-DEF_123",
            "TELEGRAM_WEBHOOK_PORT": "9000",
            "TELEGRAM_BASE_URL": "http://127.0.0.1:8081/bot",
        }
    )
    assert config.uses_webhook and config.webhook_path == "tg/hook" and config.webhook_port == 9000
    assert config.base_url == "http://127.0.0.1:8081/bot"


@pytest.mark.parametrize(
    "environ, message",
    [
        ({"TELEGRAM_WEBHOOK_URL": "https://clinic.example/tg"}, "needs TELEGRAM_WEBHOOK_SECRET"),
        (
            {"TELEGRAM_WEBHOOK_URL": "https://clinic.example/tg", "TELEGRAM_WEBHOOK_SECRET": "has space"},
            "may only contain",
        ),
        ({"TELEGRAM_WEBHOOK_URL": "clinic.example/tg", "TELEGRAM_WEBHOOK_SECRET": "ok"}, "must be a full URL"),
        ({"TELEGRAM_WEBHOOK_URL": "https://clinic.example/healthz", "TELEGRAM_WEBHOOK_SECRET": "ok"}, "health checks"),
        ({"TELEGRAM_WEBHOOK_URL": "https://clinic.example/livez/", "TELEGRAM_WEBHOOK_SECRET": "ok"}, "health checks"),
        ({"TELEGRAM_WEBHOOK_PORT": "eighty"}, "must be a port number"),
        ({"TELEGRAM_STAFF_CHAT_ID": "staff room"}, "numeric chat id"),
    ],
)
def test_mistakes_are_named(environ, message):
    with pytest.raises(TelegramConfigError, match=message):
        load_config({"TELEGRAM_BOT_TOKEN": TOKEN, **environ})


def test_fixed_replies_give_the_clinics_phone_and_emergency_number():
    clinic = load_clinic(get_settings().clinic_config)
    for text in (trouble(clinic), help_text(clinic)):
        assert clinic.phone in text and clinic.emergency_number in text
    assert trouble(clinic).startswith("I'm having trouble right now, please try again in a minute")
