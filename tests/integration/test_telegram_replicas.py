"""Two replicas of the real bridge (`python -m bot.telegram`, webhook mode, as behind a load
balancer) sharing one Redis (STATE_REDIS_URL), with the Bot API stand-in playing Telegram and a
fake Rasa that records what it got: whichever replica a delivery reaches, an update is answered
once, a button works, a chat's messages reach Rasa one at a time, each with its message id, and a
restart loses no button. Then the health checks, and a chat whose turn never comes.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
import pytest
from telegram import Bot, Update

from bot.channels import conversation_ref
from bot.clinic import load_clinic
from bot.rasa_client import RasaClient
from bot.settings import get_settings
from bot.shared_state import MemoryState, RedisState, StateUnavailable
from bot.stack import free_port
from bot.telegram.bridge import TelegramBridge
from bot.telegram.config import TelegramConfig
from bot.telegram.webhook import webhook_app
from tests.fakes.fake_rasa import FakeRasa
from tests.fakes.telegram_api import TelegramApiStandIn
from tests.fakes.telegram_bridge_process import BridgeProcess, running_bridge

pytestmark = pytest.mark.timeout(120)

CLINIC = load_clinic(get_settings().clinic_config)
WEBHOOK_SECRET = "replicas-Webhook_secret"
APP_SECRET = "replicas-app-secret-" + "k" * 32  # every replica keys the shared state with it
CHANNEL_SECRET = "replicas-channel-secret"
LONG_PAYLOAD = "/inform" + '{"concern":"' + "acne scars on the cheeks and forehead " * 3 + '"}'
_chat_ids = itertools.count(8001)


class AtOnce:
    """Counts, per conversation, the most messages Rasa was answering at the same time."""

    def __init__(self) -> None:
        self.most: dict[str, int] = {}
        self._now: dict[str, int] = {}
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def answering(self, sender: str):
        with self._lock:
            self._now[sender] = self._now.get(sender, 0) + 1
            self.most[sender] = max(self.most.get(sender, 0), self._now[sender])
        try:
            yield
        finally:
            with self._lock:
                self._now[sender] -= 1


at_once_in_rasa = AtOnce()


def scripted_rasa(sender: str, message: str) -> list[dict]:
    with at_once_in_rasa.answering(sender):
        return _answer(message)


def _answer(message: str) -> list[dict]:
    if message == "/greet":
        return [
            {
                "text": "Hello! How can I help?",
                "buttons": [
                    {"title": "Ask a question", "payload": "/ask_question"},
                    {"title": "Acne scars", "payload": LONG_PAYLOAD},
                ],
            }
        ]
    if message.startswith("slow"):
        time.sleep(0.3)
    return [{"text": f"You said: {message}"}]


@dataclass
class Replica:
    process: BridgeProcess
    url: str  # its webhook listener, where the load balancer sends it a delivery

    def deliver(self, stand_in: TelegramApiStandIn, update: dict) -> int:
        return stand_in.deliver_webhook(update, to=f"{self.url}/telegram/updates")

    def get(self, path: str) -> tuple[int, dict]:
        try:
            with urllib.request.urlopen(f"{self.url}{path}", timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def log_lines(self) -> list[dict]:
        lines = []
        for line in self.process.log().splitlines():
            with contextlib.suppress(ValueError):
                lines.append(json.loads(line))
        return lines


@pytest.fixture(scope="module")
def shared_redis(redis_url):
    yield redis_url
    import redis

    redis.Redis.from_url(redis_url).flushdb()


@pytest.fixture(scope="module")
def rasa():
    fake = FakeRasa(scripted_rasa).start()
    yield fake
    fake.stop()


@contextlib.contextmanager
def replica(stand_in, rasa, shared_redis, log_dir, name: str, port: int | None = None):
    port = port or free_port()
    with running_bridge(
        stand_in,
        rasa.url,
        log_dir,
        name=name,
        TELEGRAM_WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram/updates",
        TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
        TELEGRAM_WEBHOOK_PORT=str(port),
        STATE_REDIS_URL=shared_redis,
        APP_SECRET_KEY=APP_SECRET,
        RASA_CHANNEL_SECRET=CHANNEL_SECRET,
        LOG_FORMAT="json",
    ) as process:
        yield Replica(process, f"http://127.0.0.1:{port}")
    assert "Traceback" not in process.log(), process.log()


@pytest.fixture(scope="module")
def replicas(stand_in, rasa, shared_redis, tmp_path_factory):
    log_dir = tmp_path_factory.mktemp("replicas")
    with (
        replica(stand_in, rasa, shared_redis, log_dir, "replica-a") as a,
        replica(stand_in, rasa, shared_redis, log_dir, "replica-b") as b,
    ):
        yield a, b


@pytest.fixture
def chat_id():
    return next(_chat_ids)


def at_once(*deliveries) -> list[int]:
    """Runs each (replica, stand_in, update) delivery in its own thread, all at the same time."""
    with ThreadPoolExecutor(len(deliveries)) as pool:
        return list(pool.map(lambda delivery: delivery[0].deliver(*delivery[1:]), deliveries))


def texts(messages: list[dict]) -> list[str]:
    return [m["text"] for m in messages]


def test_an_update_delivered_to_both_replicas_is_answered_once(stand_in, rasa, replicas, chat_id):
    a, b = replicas
    update = stand_in.text_update(chat_id, "only once")
    # Telegram gave up waiting on one replica and delivered again; the balancer chose the other,
    # which says "not yet" (503) while the first has it in hand, and "done" (200) once it has.
    assert sorted(at_once((a, stand_in, update), (b, stand_in, update))) == [200, 503]
    stand_in.wait_for_messages(chat_id, 1)
    assert b.deliver(stand_in, update) == 200 and a.deliver(stand_in, update) == 200
    following = stand_in.text_update(chat_id, "and then")
    assert b.deliver(stand_in, following) == 200
    stand_in.wait_for_messages(chat_id, 2)
    time.sleep(0.5)

    sender = f"telegram-{chat_id}"
    assert rasa.messages_from(sender) == ["only once", "and then"]
    assert texts(stand_in.sent_messages(chat_id)) == ["You said: only once", "You said: and then"]
    # The replica that dropped the copy says so in a line that names the conversation, never the chat.
    dropped, *_also = [  # both later copies were dropped
        line
        for replica in replicas
        for line in replica.log_lines()
        if line["message"] == f"update {update['update_id']} delivered again, ignored"
    ]
    assert dropped["conversation"] == conversation_ref(sender, CHANNEL_SECRET) and dropped["request_id"]
    assert str(chat_id) not in dropped["message"]


def test_a_keyboard_sent_by_one_replica_is_answered_through_the_other(stand_in, rasa, replicas, chat_id):
    a, b = replicas
    assert a.deliver(stand_in, stand_in.text_update(chat_id, "/start")) == 200
    [greeting] = stand_in.wait_for_messages(chat_id, 1)

    press = stand_in.press(chat_id, greeting["message_id"], "Acne scars")
    assert b.deliver(stand_in, press) == 200
    assert stand_in.wait_for_messages(chat_id, 2)[1]["text"] == f"You said: {LONG_PAYLOAD}"
    sender = f"telegram-{chat_id}"
    assert rasa.messages_from(sender) == ["/greet", LONG_PAYLOAD]
    assert rasa.message_ids_from(sender)[1] == f"telegram-{press['update_id']}"
    assert "reply_markup" not in stand_in.sent_messages(chat_id)[0], "the pressed keyboard is removed"

    # The same keyboard pressed again on another device, reaching the first replica: refused kindly.
    assert a.deliver(stand_in, stand_in.press(chat_id, greeting["message_id"], "Ask a question")) == 200
    stand_in.wait_until(
        lambda: any(
            call.params.get("text") == "You have already answered this one."
            for call in stand_in.calls_to("answerCallbackQuery")
        ),
        what="the second press to be refused",
    )
    assert rasa.messages_from(sender) == ["/greet", LONG_PAYLOAD]


def test_a_chats_messages_reach_rasa_one_at_a_time_whichever_replica_has_them(stand_in, rasa, replicas, chat_id):
    a, b = replicas
    updates = [stand_in.text_update(chat_id, f"slow message {n}") for n in range(4)]
    statuses = at_once(*((a if n % 2 == 0 else b, stand_in, update) for n, update in enumerate(updates)))
    assert statuses == [200] * 4
    stand_in.wait_for_messages(chat_id, 4)

    sender = f"telegram-{chat_id}"
    assert at_once_in_rasa.most[sender] == 1, "a chat's messages must not overlap at Rasa"
    assert sorted(rasa.messages_from(sender)) == [f"slow message {n}" for n in range(4)]
    # Each carries its update's id, so Rasa can run each exactly once, and the conversation's
    # reference, so the balancer keeps the conversation on one Rasa replica.
    received = dict(zip(rasa.messages_from(sender), rasa.message_ids_from(sender)))
    assert received == {f"slow message {n}": f"telegram-{update['update_id']}" for n, update in enumerate(updates)}
    ours = [index for index, (s, _) in enumerate(rasa.received) if s == sender]
    assert {rasa.affinity[index] for index in ours} == {conversation_ref(sender, CHANNEL_SECRET)}
    assert len({rasa.request_ids[index] for index in ours} - {None}) == 4, "one request id per update"


def test_a_button_survives_a_restart_of_the_bridge(stand_in, rasa, shared_redis, tmp_path, chat_id):
    port = free_port()
    with replica(stand_in, rasa, shared_redis, tmp_path, "before-restart", port) as before:
        assert before.deliver(stand_in, stand_in.text_update(chat_id, "/start")) == 200
        [greeting] = stand_in.wait_for_messages(chat_id, 1)
    with replica(stand_in, rasa, shared_redis, tmp_path, "after-restart", port) as after:
        assert after.deliver(stand_in, stand_in.press(chat_id, greeting["message_id"], "Ask a question")) == 200
        assert stand_in.wait_for_messages(chat_id, 2)[1]["text"] == "You said: /ask_question"
    assert rasa.messages_from(f"telegram-{chat_id}") == ["/greet", "/ask_question"]


def test_healthz_follows_rasa_and_livez_only_the_process(rasa, replicas):
    up = {"status": "ok", "checks": {"rasa": "ok", "redis": "ok"}}
    down = {"status": "unavailable", "checks": {"rasa": "unavailable", "redis": "ok"}}
    assert [r.get("/healthz") for r in replicas] == [(200, up)] * 2
    rasa.stop()
    try:
        assert [r.get("/healthz") for r in replicas] == [(503, down)] * 2
        assert [r.get("/livez") for r in replicas] == [(200, {"status": "alive"})] * 2
    finally:
        rasa.start()
    assert [r.get("/healthz") for r in replicas] == [(200, up)] * 2


# -- in this process: what a real Redis or a real stuck replica cannot be made to do on demand --


def _bridge(stand_in, rasa, state) -> TelegramBridge:
    config = TelegramConfig(token=stand_in.token, base_url=stand_in.base_url, rasa_url=rasa.url)
    return TelegramBridge(config, CLINIC, rasa=RasaClient(rasa.url, secret=""), state=state)


async def _never_called(update) -> int:
    raise AssertionError("no update is delivered in this test")


def test_healthz_names_redis_when_it_is_down(stand_in, rasa):
    bridge = _bridge(stand_in, rasa, RedisState("redis://127.0.0.1:1/0", b"k" * 32))  # nothing listens on port 1
    app = webhook_app("telegram/updates", WEBHOOK_SECRET, Bot(stand_in.token), _never_called, bridge.health_checks)

    async def healthz():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bridge") as client:
            return await client.get("/healthz")

    response = asyncio.run(healthz())
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"rasa": "ok", "redis": "unavailable"}}
    assert "redis://" not in response.text and rasa.url not in response.text


class TurnsTaken(MemoryState):
    """Shared state in which the next `refusals` chat turns never come (a replica stuck on them)."""

    def __init__(self, refusals: int):
        super().__init__()
        self.refusals = refusals

    def lock(self, key, hold_at_most, wait_at_most):
        if self.refusals == 0:
            return super().lock(key, hold_at_most, wait_at_most)
        self.refusals -= 1

        @contextlib.asynccontextmanager
        async def refused():
            raise StateUnavailable(f"waited {wait_at_most:.0f}s for a lock")
            yield

        return refused()


def test_an_update_whose_turn_never_comes_gets_a_kind_answer_and_is_not_lost(stand_in, rasa, chat_id):
    state = TurnsTaken(refusals=0)
    bridge = _bridge(stand_in, rasa, state)
    greeting = stand_in.text_update(chat_id, "/start")

    async def scenario():
        application = bridge.build_application()
        async with application:
            await application.process_update(Update.de_json(greeting, application.bot))  # its turn comes
            [keyboard] = stand_in.wait_for_messages(chat_id, 1)
            press = stand_in.press(chat_id, keyboard["message_id"], "Ask a question")
            question = stand_in.text_update(chat_id, "is it painful?")
            state.refusals = 2
            for update in (press, question):  # neither turn comes
                await application.process_update(Update.de_json(update, application.bot))
            stand_in.wait_for_messages(chat_id, 3)
            for update in (press, question):  # Telegram (or the patient) tries again, and now they do
                await application.process_update(Update.de_json(update, application.bot))
            stand_in.wait_for_messages(chat_id, 5)

    asyncio.run(scenario())
    sent = texts(stand_in.sent_messages(chat_id))
    assert sent[1].startswith("I'm having trouble right now, please try again") and sent[2] == sent[1]
    assert CLINIC.phone in sent[1]
    assert sent[3:] == ["You said: /ask_question", "You said: is it painful?"]
    assert rasa.messages_from(f"telegram-{chat_id}") == ["/greet", "/ask_question", "is it painful?"]
