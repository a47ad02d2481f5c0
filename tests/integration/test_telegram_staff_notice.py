"""The staff notice goes to the staff chat through the Bot API stand-in, without health details."""

from __future__ import annotations

import asyncio

import pytest

from bot.telegram.staff_notice import notify_new_request
from tests.fakes.telegram_api import TelegramApiStandIn

pytestmark = pytest.mark.timeout(60)
STAFF_CHAT = -1001234567890


@pytest.fixture
def stand_in():
    with TelegramApiStandIn() as api:
        yield api


def env_for(api: TelegramApiStandIn, **extra: str) -> dict[str, str]:
    return {
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_BASE_URL": api.base_url,
        "TELEGRAM_STAFF_CHAT_ID": str(STAFF_CHAT),
        "DASHBOARD_URL": "https://staff.clinic.example",
        **extra,
    }


def test_notice_names_reference_outcome_channel_language_and_dashboard(stand_in):
    sent = asyncio.run(notify_new_request("REQ-7K2P", "needs_review", "telegram", environ=env_for(stand_in)))
    assert sent is True
    [notice] = stand_in.sent_messages(STAFF_CHAT)
    assert notice["text"] == (
        "New consultation request REQ-7K2P\n"
        "Outcome: needs review\n"
        "Channel: telegram\n"
        "Language: English\n"
        "Open the dashboard to read it: https://staff.clinic.example"
    )


def test_notice_of_a_spanish_conversation_says_so_so_the_team_calls_back_in_spanish(stand_in):
    assert asyncio.run(notify_new_request("CB-3XQ9", "callback requested", "web", "es", environ=env_for(stand_in)))
    [notice] = stand_in.sent_messages(STAFF_CHAT)
    assert "\nLanguage: Español\n" in notice["text"]  # staff read English; the language's own name


def test_without_staff_chat_nothing_is_sent(stand_in):
    environ = env_for(stand_in)
    del environ["TELEGRAM_STAFF_CHAT_ID"]
    assert asyncio.run(notify_new_request("REQ-1", "eligible", "web", environ=environ)) is False
    assert stand_in.calls == []


def test_without_token_nothing_is_sent(stand_in):
    environ = env_for(stand_in)
    del environ["TELEGRAM_BOT_TOKEN"]
    assert asyncio.run(notify_new_request("REQ-1", "eligible", "web", environ=environ)) is False
    assert stand_in.calls == []


def test_unreachable_telegram_returns_false_without_raising(caplog):
    with TelegramApiStandIn() as api:
        environ = env_for(api)
    # The stand-in is stopped now: connection refused.
    assert asyncio.run(notify_new_request("REQ-9", "deferred", "web", environ=environ)) is False
    assert "REQ-9" in caplog.text and "not sent" in caplog.text


def test_rejected_by_telegram_returns_false(stand_in):
    environ = env_for(stand_in, TELEGRAM_BOT_TOKEN="999:wrong-token")
    assert asyncio.run(notify_new_request("REQ-3", "eligible", "telegram", environ=environ)) is False
