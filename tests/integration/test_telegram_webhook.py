"""Webhook mode: the bridge registers its URL and secret with the Bot API stand-in, which then
posts updates to it as Telegram does. A wrong or missing secret is refused with 403 and nothing
reaches Rasa."""
from __future__ import annotations

import itertools
import subprocess
import sys

import pytest

from tests.fakes.rasa_for_telegram import FakeRasa
from tests.fakes.telegram_api import TelegramApiStandIn
from tests.fakes.telegram_bridge_process import PROJECT_ROOT, bridge_env, free_port, running_bridge

pytestmark = pytest.mark.timeout(120)

SECRET = "s3cret-Token_for-tests"
_chat_ids = itertools.count(7001)


@pytest.fixture(scope="module")
def stand_in():
    with TelegramApiStandIn() as api:
        yield api


@pytest.fixture(scope="module")
def rasa():
    fake = FakeRasa(lambda sender, message: [{"text": f"You said: {message}"}]).start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def webhook_bridge(stand_in, rasa, tmp_path_factory):
    port = free_port()
    with running_bridge(stand_in, rasa.url, tmp_path_factory.mktemp("webhook"),
                        TELEGRAM_WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram/updates",
                        TELEGRAM_WEBHOOK_SECRET=SECRET, TELEGRAM_WEBHOOK_PORT=str(port)) as process:
        yield process


def test_bridge_registers_its_webhook_with_the_secret(stand_in, webhook_bridge):
    assert stand_in.webhook_url.endswith("/telegram/updates")
    assert stand_in.webhook_secret == SECRET
    assert not stand_in.calls_to("getUpdates"), "webhook mode must not poll"


def test_update_with_the_right_secret_is_answered(stand_in, rasa, webhook_bridge):
    chat_id = next(_chat_ids)
    assert stand_in.deliver_webhook(stand_in.text_update(chat_id, "hello")) == 200
    [answer] = stand_in.wait_for_messages(chat_id, 1)
    assert answer["text"] == "You said: hello"
    assert rasa.messages_from(f"telegram-{chat_id}") == ["hello"]


@pytest.mark.parametrize("secret", ["wrong-secret", None], ids=["wrong", "missing"])
def test_update_with_a_wrong_or_missing_secret_is_refused(stand_in, rasa, webhook_bridge, secret):
    chat_id = next(_chat_ids)
    assert stand_in.deliver_webhook(stand_in.text_update(chat_id, "let me in"), secret=secret) == 403
    # A correct delivery afterwards is answered, so by then the refused one would have been too.
    assert stand_in.deliver_webhook(stand_in.text_update(chat_id, "properly")) == 200
    stand_in.wait_for_messages(chat_id, 1)
    assert rasa.messages_from(f"telegram-{chat_id}") == ["properly"]
    assert [m["text"] for m in stand_in.sent_messages(chat_id)] == ["You said: properly"]


def test_a_redelivered_webhook_update_is_processed_once(stand_in, rasa, webhook_bridge):
    chat_id = next(_chat_ids)
    update = stand_in.text_update(chat_id, "only once")
    assert stand_in.deliver_webhook(update) == 200
    assert stand_in.deliver_webhook(update) == 200
    assert stand_in.deliver_webhook(stand_in.text_update(chat_id, "next")) == 200
    stand_in.wait_for_messages(chat_id, 2)
    assert rasa.messages_from(f"telegram-{chat_id}") == ["only once", "next"]


def test_webhook_mode_without_a_secret_refuses_to_start():
    with TelegramApiStandIn() as api:
        env = bridge_env(api, "http://127.0.0.1:9", TELEGRAM_WEBHOOK_URL="https://clinic.example/telegram")
        result = subprocess.run([sys.executable, "-m", "bot.telegram"], cwd=PROJECT_ROOT, env=env,
                                capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "Webhook mode needs TELEGRAM_WEBHOOK_SECRET" in result.stderr
    assert api.calls == [], "nothing may be registered with Telegram"
