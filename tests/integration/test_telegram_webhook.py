"""Webhook mode: the bridge registers its URL and secret with the Bot API stand-in, which then
posts updates to it as Telegram does. A wrong or missing secret is refused with 403 and nothing
reaches Rasa."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from bot.stack import free_port
from tests.fakes.fake_rasa import FakeRasa
from tests.fakes.telegram_api import TelegramApiStandIn
from tests.fakes.telegram_bridge_process import PROJECT_ROOT, bridge_env, running_bridge

pytestmark = pytest.mark.timeout(120)

SECRET = "s3cret-Token_for-tests"
_chat_ids = itertools.count(7001)


@pytest.fixture(scope="module")
def rasa():
    fake = FakeRasa(lambda sender, message: [{"text": f"You said: {message}"}]).start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def webhook_bridge(stand_in, rasa, tmp_path_factory):
    port = free_port()
    with running_bridge(
        stand_in,
        rasa.url,
        tmp_path_factory.mktemp("webhook"),
        TELEGRAM_WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram/updates",
        TELEGRAM_WEBHOOK_SECRET=SECRET,
        TELEGRAM_WEBHOOK_PORT=str(port),
    ) as process:
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


def _post(url: str, body: bytes, **headers: str) -> int:
    request = urllib.request.Request(url, data=body, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_malformed_deliveries_get_a_4xx_and_the_bridge_carries_on(stand_in, rasa, webhook_bridge):
    chat_id = next(_chat_ids)
    secret = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    url = stand_in.webhook_url
    assert _post(url, b"[" * 5000 + b"]" * 5000, **secret, **{"Content-Type": "application/json"}) == 400
    assert (
        _post(url, b'{"update_id": 1, "message": {"text": "\xff"}}', **secret, **{"Content-Type": "application/json"})
        == 400
    )
    assert (
        _post(url, b'{"update_id": 2, "message": "my private words"}', **secret, **{"Content-Type": "application/json"})
        == 400
    )
    assert _post(url, b"[]", **secret, **{"Content-Type": "application/json"}) == 400
    assert _post(url, b"{}", **secret, **{"Content-Type": "text/plain"}) == 415
    assert _post(url, b"x" * 2_000_000, **secret, **{"Content-Type": "application/json"}) == 413
    assert stand_in.deliver_webhook(stand_in.text_update(chat_id, "still here?")) == 200
    assert stand_in.wait_for_messages(chat_id, 1)[0]["text"] == "You said: still here?"
    assert webhook_bridge.alive()
    assert "Traceback" not in webhook_bridge.log() and "my private words" not in webhook_bridge.log()


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_health_checks_need_no_secret_and_without_redis_check_rasa_only(stand_in, rasa, webhook_bridge):
    listener = stand_in.webhook_url.removesuffix("/telegram/updates")
    assert _get(f"{listener}/livez") == (200, {"status": "alive"})
    assert _get(f"{listener}/healthz") == (200, {"status": "ok", "checks": {"rasa": "ok"}})
    rasa.fail_status = 503  # Rasa up but not ready (no model loaded yet)
    try:
        assert _get(f"{listener}/healthz") == (503, {"status": "unavailable", "checks": {"rasa": "unavailable"}})
        assert _get(f"{listener}/livez")[0] == 200, "alive all the same: restarting it would not help"
    finally:
        rasa.fail_status = None
    assert _get(f"{listener}/healthz")[0] == 200


def test_webhook_mode_without_a_secret_refuses_to_start():
    with TelegramApiStandIn() as api:
        env = bridge_env(api, "http://127.0.0.1:9", TELEGRAM_WEBHOOK_URL="https://clinic.example/telegram")
        result = subprocess.run(
            [sys.executable, "-m", "bot.telegram"],
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    assert "Webhook mode needs TELEGRAM_WEBHOOK_SECRET" in result.stderr
    assert api.calls == [], "nothing may be registered with Telegram"
