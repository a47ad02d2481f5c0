"""Property-based fuzzing (Hypothesis) of everything patients can send, into the real assistant
(`rasa_stack`: trained model, Rasa, action server): the widget's relay (bot.web's app, served
in-process by Starlette's TestClient) and the Telegram bridge's update handling (the real
python-telegram-bot application of bot.telegram, in-process, against the Bot API stand-in).

The rule: no 5xx, no crash, every answer well-formed. Most generated requests are malformed and
refused cheaply before Rasa; a bounded few hundred well-formed texts reach the real stack, so the
whole module takes a few minutes on 2 cores. The four tests' minimum counts add up to 10,000.
Examples are derandomized, so CI runs the same inputs every time. A 429 (rate limits), and a
403 for a session the relay no longer recognises, are well-formed answers too.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
import uuid
from collections import Counter
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient
from telegram import Update

from bot.clinic import load_clinic
from bot.rasa_client import RasaClient
from bot.settings import Settings, get_settings
from bot.telegram.bridge import TelegramBridge
from bot.telegram.config import TelegramConfig
from bot.web.app import MAX_BODY_BYTES, create_app
from bot.web.relay import MAX_BOT_TEXT_CHARS, MAX_BUTTONS
from bot.web.validation import MAX_TEXT_CHARS
from tests.fakes.telegram_api import BOT_USER, BadRequest, TelegramApiStandIn, telegram_length, visible_text_of_html

pytestmark = pytest.mark.timeout(900)

CLINIC = load_clinic(get_settings().clinic_config)
FUZZ = dict(
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=False,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
        HealthCheck.large_base_example,
    ],
)
sent: Counter = Counter()  # what reached each app, per test; printed with -s

# Texts a patient (or someone poking at us) might type: markup of Telegram's HTML and of our
# markdown, formulas, intents typed by hand, red flags, direction overrides, emoji, very long.
FRAGMENTS = [
    "does it hurt?",
    "how much is microneedling",
    "book a consultation",
    "yes",
    "no",
    "stop",
    "<b>",
    "</i>",
    "<script>alert(1)</script>",
    "&amp;",
    "&",
    "&#0;",
    ">",
    "**bold**",
    "__x__",
    "[x](javascript:alert(1))",
    '=HYPERLINK("http://x")',
    '/inform{"name": "x"}',
    "/restart",
    "/request_consultation",
    "my lips are swelling and I can't breathe",
    "\u202eevil",
    "😀" * 3,
    "' OR 1=1 --",
    "{{ slot }}",
    "%s%n",
    "\n\n",
    "\t",
    "Zoë O'Brien-Smith",
    "+44 7911 123456",
    "a" * 400,
]
texts = st.one_of(
    st.text(min_size=1, max_size=200), st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=4).map(" ".join)
)

# ---------------------------------------------------------------- the widget's relay

SAFE_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
bad_ids = st.one_of(
    st.text(max_size=70).filter(lambda v: not SAFE_ID.fullmatch(v)),
    st.integers(),
    st.none(),
    st.lists(st.text(max_size=3), max_size=2),
    st.just("session0001\n"),
    st.just("../../etc/passwd"),
)
good_id = st.from_regex(SAFE_ID, fullmatch=True)
empty_texts = st.one_of(
    st.none(),
    st.integers(),
    st.just(""),
    st.text(alphabet=" \t\r\n\x00\x07\u200b", max_size=8).filter(
        lambda t: not t.replace("\u200b", "").strip(" \t\r\n\x00\x07")
    ),
    st.text(min_size=MAX_TEXT_CHARS + 1, max_size=MAX_TEXT_CHARS + 50).filter(
        lambda t: len(t.strip()) > MAX_TEXT_CHARS
    ),
    st.lists(st.text(max_size=5), max_size=3),
)


def _json(value) -> bytes:
    return json.dumps(value).encode()


JSON_TYPE = {"content-type": "application/json"}
# (method, path, body, headers) of requests that must be refused before Rasa.
malformed = st.one_of(
    st.tuples(st.just("POST"), st.just("/api/chat"), st.binary(max_size=300), st.just(JSON_TYPE)),
    st.tuples(st.just("POST"), st.just("/api/chat"), json_values.map(_json), st.just(JSON_TYPE)),
    st.tuples(
        st.just("POST"),
        st.just("/api/chat"),
        st.fixed_dictionaries({"session_id": bad_ids, "message_id": st.one_of(good_id, bad_ids), "text": texts}).map(
            _json
        ),
        st.just(JSON_TYPE),
    ),
    st.tuples(
        st.just("POST"),
        st.just("/api/chat"),
        st.fixed_dictionaries({"session_id": good_id, "message_id": good_id, "text": empty_texts}).map(_json),
        st.just(JSON_TYPE),
    ),
    st.tuples(
        st.just("POST"),
        st.just("/api/chat"),
        st.integers(1000, 8000).map(lambda depth: b"[" * depth + b"]" * depth),
        st.just(JSON_TYPE),
    ),
    st.tuples(
        st.just("POST"),
        st.just("/api/chat"),
        st.integers(MAX_BODY_BYTES + 1, 4 * MAX_BODY_BYTES).map(lambda size: b'{"text": "' + b"a" * size + b'"}'),
        st.just(JSON_TYPE),
    ),
    st.tuples(
        st.just("POST"),
        st.just("/api/chat"),
        st.binary(min_size=1, max_size=20).map(
            lambda raw: b'{"session_id": "abcdefgh12", "message_id": "abcdefgh12", "text": "' + raw + b'"}'
        ),
        st.just(JSON_TYPE),
    ),
    st.tuples(
        st.just("POST"),
        st.just("/api/chat"),
        st.just(_json({"session_id": "abcdefgh12", "message_id": "m0000001", "text": "hi"})),
        st.sampled_from(
            [
                "text/plain",
                "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=x",
                "",
                "application/xml",
                "text/json",
            ]
        ).map(lambda ct: {"content-type": ct}),
    ),
    st.tuples(st.sampled_from(["GET", "PUT", "DELETE", "PATCH"]), st.just("/api/chat"), st.just(b""), st.just({})),
    st.tuples(
        st.sampled_from(["GET", "POST"]),
        st.text(max_size=40).map(lambda p: "/static/" + quote(p, safe="")),
        st.just(b""),
        st.just({}),
    ),
    st.tuples(
        st.just("GET"), st.text(max_size=40).map(lambda q: "/?q=" + quote(q, safe="")), st.just(b""), st.just({})
    ),
)


@pytest.fixture(scope="module")
def relay(rasa_stack):
    # The relay's own RasaClient, configured like production, so its URL is not ours to know.
    with TestClient(
        create_app(Settings(rasa_url=rasa_stack.rasa_url)),
        base_url="http://localhost:8000",
        raise_server_exceptions=False,
    ) as client:
        yield client


def check_relay_answer(response, path: str) -> None:
    assert response.status_code < 500, (response.status_code, response.text[:300])
    if not path.startswith("/api/") or response.status_code in (404, 405, 429):
        return  # pages, files and rate limits: any 4xx is fine
    body = response.json()
    assert isinstance(body, dict), body
    if response.status_code != 200:
        assert isinstance(body.get("error"), str) and body["error"].strip(), body
        return
    assert set(body) <= {"messages", "conversation_ended"} and body.get("conversation_ended", True) is True, body
    assert isinstance(body["messages"], list)
    for message in body["messages"]:
        assert set(message) <= {"text", "buttons"} and message, message
        if "text" in message:
            assert (
                isinstance(message["text"], str)
                and message["text"].strip()
                and len(message["text"]) <= MAX_BOT_TEXT_CHARS
            )
        for button in message.get("buttons", []):
            assert set(button) == {"title", "payload"} and all(
                isinstance(v, str) and v.strip() for v in button.values()
            )
        assert len(message.get("buttons", [])) <= MAX_BUTTONS


def test_malformed_relay_requests_are_refused_cheaply_and_kindly(relay):
    @settings(max_examples=2700, **FUZZ)
    @given(st.lists(malformed, min_size=3, max_size=3))
    def fuzz(requests):
        for method, path, body, headers in requests:
            response = relay.request(method, path, content=body, headers=headers)
            sent["relay, malformed"] += 1
            check_relay_answer(response, path)

    started = time.monotonic()
    fuzz()
    print(f"\nrelay, malformed: {sent['relay, malformed']} requests in {time.monotonic() - started:.0f}s")
    assert sent["relay, malformed"] >= 8000


def _session_fields(client: TestClient) -> dict:
    """A session the relay accepts: issued by POST /api/session where the relay has one."""
    issued = client.post("/api/session")
    if issued.status_code == 200 and isinstance(issued.json(), dict):
        return issued.json()
    return {"session_id": uuid.uuid4().hex}


def test_well_formed_texts_reach_the_real_assistant_and_are_answered(relay):
    sessions = [_session_fields(relay) for _ in range(6)]
    answered = Counter()

    @settings(max_examples=300, **FUZZ)
    @given(st.integers(0, len(sessions) - 1), texts)
    def fuzz(which, text):
        body = {**sessions[which], "message_id": uuid.uuid4().hex, "text": text}
        response = relay.post("/api/chat", content=_json(body), headers=JSON_TYPE)
        sent["relay, to Rasa"] += 1
        answered[response.status_code] += 1
        check_relay_answer(response, "/api/chat")

    started = time.monotonic()
    fuzz()
    print(
        f"\nrelay, well-formed: {sent['relay, to Rasa']} messages in {time.monotonic() - started:.0f}s, "
        f"statuses {dict(answered)}"
    )
    assert sent["relay, to Rasa"] >= 200
    assert answered[200] or answered[429], "no well-formed text was answered"


# ---------------------------------------------------------------- the Telegram bridge


@pytest.fixture(scope="module")
def telegram(rasa_stack):
    """The bridge's python-telegram-bot application, fed updates one by one (process_update)."""
    with TelegramApiStandIn() as api:
        loop = asyncio.new_event_loop()
        rasa = RasaClient(rasa_stack.rasa_url, secret=rasa_stack.channel_secret)
        application = TelegramBridge(
            TelegramConfig(token=api.token, base_url=api.base_url), CLINIC, rasa=rasa
        ).build_application()
        errors: list[str] = []

        async def record_error(update, context) -> None:
            errors.append(f"{type(context.error).__name__}: {context.error}")

        application.add_error_handler(record_error)
        loop.run_until_complete(application.initialize())
        yield api, application, loop, errors
        loop.run_until_complete(application.shutdown())
        loop.run_until_complete(rasa.aclose())
        loop.close()


# A message of date 0 is what Telegram sends for one the bot can no longer access, so the
# messages under fuzzed button presses carry the current time.
def _private(chat_id: int) -> dict:
    return {"id": chat_id, "type": "private", "first_name": "Patient"}


NOT_TEXT = st.sampled_from(
    [
        {"photo": [{"file_id": "p1", "file_unique_id": "u1", "width": 90, "height": 90}]},
        {
            "sticker": {
                "file_id": "s1",
                "file_unique_id": "u2",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "type": "regular",
            }
        },
        {"location": {"latitude": 51.5, "longitude": -0.12}},
        {"contact": {"phone_number": "+447911123456", "first_name": "Zoë"}},
        {"dice": {"emoji": "🎲", "value": 3}},
        {"voice": {"file_id": "v1", "file_unique_id": "u3", "duration": 2}},
    ]
)
unknown_commands = st.tuples(
    st.from_regex(r"[a-z0-9_]{1,20}", fullmatch=True).filter(lambda c: c not in ("start", "help", "cancel")),
    st.text(max_size=30),
).map(lambda parts: f"/{parts[0]} {parts[1]}".rstrip())
chat_ids = st.integers(1, 10**12)
# Ids of hand-made updates: unique, or the bridge would rightly drop them as redeliveries.
_update_ids = itertools.count(10**8)


@st.composite
def cheap_update(draw, api: TelegramApiStandIn):
    """(update, whether the bridge must answer it) for updates the bridge handles without Rasa."""
    chat_id = draw(chat_ids)
    kind = draw(
        st.sampled_from(
            ["not text", "unknown command", "expired button", "inaccessible button", "group", "edited", "no content"]
        )
    )
    if kind == "not text":
        return api.message_update(chat_id, **draw(NOT_TEXT)), True
    if kind == "unknown command":
        return api.text_update(chat_id, draw(unknown_commands)), True
    if kind in ("expired button", "inaccessible button"):
        query = {
            "id": uuid.uuid4().hex,
            "from": {"id": chat_id, "is_bot": False, "first_name": "P"},
            "chat_instance": "1",
            "data": "~k" + draw(st.text(alphabet="0123456789abcdef", max_size=8)),
        }
        if kind == "expired button":
            query["message"] = {
                "message_id": draw(st.integers(10**6, 10**9)),
                "date": int(time.time()),
                "chat": _private(chat_id),
                "from": BOT_USER,
                "text": "Question?",
            }
        return {"update_id": next(_update_ids), "callback_query": query}, True
    if kind == "group":
        update = api.text_update(-chat_id, draw(texts))
        update["message"]["chat"] = {
            "id": -chat_id,
            "type": draw(st.sampled_from(["group", "supergroup"])),
            "title": "Staff",
        }
        return update, False
    if kind == "edited":
        update = api.text_update(chat_id, draw(texts))
        return {"update_id": update["update_id"], "edited_message": update["message"] | {"edit_date": 1}}, False
    return {"update_id": next(_update_ids)}, False


def check_bridge_sends(calls) -> None:
    for call in calls:
        assert call.params.get("parse_mode") == "HTML", call.params  # the plain fallback means HTML was refused
        try:
            visible = visible_text_of_html(str(call.params.get("text", "")))
        except BadRequest as error:
            raise AssertionError(f"Telegram would refuse {call.params['text']!r}: {error}") from None
        assert visible.strip() and telegram_length(visible) <= 4096, call.params


def _feed(telegram, updates: list[tuple[dict, bool]]) -> None:
    api, application, loop, errors = telegram
    for data, must_answer in updates:
        update = Update.de_json(data, application.bot)
        chat_id = update.effective_chat.id if update.effective_chat else None
        sends_before = len(api.calls_to("sendMessage"))
        answers_before = len(api.calls_to("answerCallbackQuery"))
        loop.run_until_complete(application.process_update(update))
        sent["bridge"] += 1
        new_sends = api.calls_to("sendMessage")[sends_before:]
        check_bridge_sends(new_sends)
        assert not errors, errors
        if must_answer:
            to_chat = [c for c in new_sends if c.params.get("chat_id") == chat_id]
            assert to_chat or len(api.calls_to("answerCallbackQuery")) > answers_before, f"no answer to {data}"
        else:
            assert not new_sends, f"answered {data}"


def test_updates_the_bridge_answers_itself_are_answered_well(telegram):
    api = telegram[0]

    @settings(max_examples=600, **FUZZ)
    @given(st.lists(cheap_update(api), min_size=3, max_size=3), st.booleans())
    def fuzz(updates, repeat_first):
        if repeat_first:  # a redelivered update is handled once: no second answer
            updates = updates + [(updates[0][0], False)]
        _feed(telegram, updates)

    started = time.monotonic()
    fuzz()
    print(f"\nbridge, without Rasa: {sent['bridge']} updates in {time.monotonic() - started:.0f}s")
    assert sent["bridge"] >= 1800


def test_texts_and_buttons_through_the_bridge_reach_the_real_assistant(telegram):
    api = telegram[0]
    before = sent["bridge"]

    @settings(max_examples=250, **FUZZ)
    @given(
        st.integers(1, 6),
        st.one_of(texts, st.sampled_from(["/start", "/help", "/cancel"]), texts.map(lambda t: ("button", t[:60]))),
    )
    def fuzz(chat, content):
        chat_id = 880_000 + chat
        if isinstance(content, tuple):  # a press on a button whose data is a plain payload
            message = {
                "message_id": int(uuid.uuid4().int % 10**9),
                "date": int(time.time()),
                "chat": _private(chat_id),
                "from": BOT_USER,
                "text": "Question?",
            }
            update = {
                "update_id": next(_update_ids),
                "callback_query": {
                    "id": uuid.uuid4().hex,
                    "from": {"id": chat_id, "is_bot": False, "first_name": "P"},
                    "chat_instance": "1",
                    "data": content[1] or "yes",
                    "message": message,
                },
            }
        else:
            update = api.text_update(chat_id, content)
        _feed(telegram, [(update, True)])

    started = time.monotonic()
    fuzz()
    answers = [str(c.params["text"]) for c in api.calls_to("sendMessage") if 880_000 < c.params["chat_id"] <= 880_006]
    trouble = sum(text.startswith("I'm having trouble") for text in answers)
    print(
        f"\nbridge, to Rasa: {sent['bridge'] - before} updates in {time.monotonic() - started:.0f}s, "
        f"{len(answers)} answers, {trouble} of them 'having trouble'"
    )
    assert sent["bridge"] - before >= 200
    assert trouble < len(answers) / 4, "the assistant itself should answer most of them"
