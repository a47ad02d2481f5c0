"""The website server: pages and their security headers, chat input checks, CORS, Rasa down."""

from __future__ import annotations

import re

import httpx
import pytest

from bot.settings import Settings
from bot.web.app import create_app
from bot.web.sessions import SessionSigner
from bot.web.validation import MAX_TEXT_CHARS
from bot.web.widget_script import PARTS, PARTS_DIR
from tests.fakes.fake_rasa import FakeRasa

SITE = "https://www.lumenskin.example"
ME = "http://localhost:8000"
APP_SECRET = "test-app-secret-" + "k" * 32
SESSION = SessionSigner(APP_SECRET.encode()).issue()  # as /api/session would issue it


@pytest.fixture
def fake_rasa():
    with FakeRasa() as fake:
        yield fake


@pytest.fixture
def client(fake_rasa):
    app = create_app(Settings(rasa_url=fake_rasa.url, site_origins=[SITE], app_secret_key=APP_SECRET))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ME)


def chat(text="hello", session_id=SESSION.session_id, message_id="message0001"):
    return {"session_id": session_id, "token": SESSION.token, "message_id": message_id, "text": text}


@pytest.mark.asyncio
@pytest.mark.parametrize("path", ["/", "/aftercare"])
async def test_demo_pages_name_the_clinic_embed_the_widget_and_allow_no_other_host(client, path):
    async with client:
        response = await client.get(path)
    assert response.status_code == 200
    assert "Lumen Skin Clinic" in response.text
    assert re.search(r'<script src="/widget.js"[^>]*data-server="http://localhost:8000"', response.text)
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "http" not in csp and "*" not in csp and "unsafe" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.asyncio
async def test_widget_files_and_health_are_served(client):
    async with client:
        script = await client.get("/widget.js")
        style = await client.get("/widget.css")
        health = await client.get("/healthz")
    assert script.headers["content-type"].startswith("text/javascript") and "attachShadow" in script.text
    assert style.headers["content-type"].startswith("text/css")
    assert health.json() == {"status": "ok", "checks": {"rasa": "ok"}}
    # The widget's own code must never parse text as HTML.
    assert "innerHTML" not in script.text and "insertAdjacentHTML" not in script.text


@pytest.mark.asyncio
async def test_widget_js_is_its_parts_in_one_script_with_the_relays_limit(client):
    async with client:
        script = await client.get("/widget.js")
        again = await client.get("/widget.js", headers={"if-none-match": script.headers["etag"]})
    positions = [script.text.index((PARTS_DIR / name).read_text(encoding="utf-8")) for name in PARTS]
    assert positions == sorted(positions) and sorted(PARTS_DIR.iterdir()) == sorted(PARTS_DIR / n for n in PARTS)
    # One function around it all: the parts' names stay off the clinic's page.
    assert script.text.count('(function () {\n"use strict";') == 1 and script.text.rstrip().endswith("})();")
    assert f'const RELAY = {{"maxTextChars": {MAX_TEXT_CHARS}, "forgetAfterMs": {2 * 3600 * 1000}, ' in script.text
    hard_coded = re.compile(rf"(?<![/\w]){MAX_TEXT_CHARS}(?![/\w])")  # not in "w3.org/2000/svg"
    assert not any(hard_coded.search((PARTS_DIR / name).read_text(encoding="utf-8")) for name in PARTS)
    assert script.headers["cache-control"] == "no-cache"
    assert again.status_code == 304 and again.headers["etag"] == script.headers["etag"]


@pytest.mark.asyncio
async def test_a_chat_message_is_answered_by_rasa_as_the_web_channel(client, fake_rasa):
    async with client:
        response = await client.post("/api/chat", json=chat("  does it hurt?  "))
    assert response.status_code == 200
    assert response.json() == {"messages": [{"text": "You said: does it hurt?"}]}
    assert fake_rasa.received == [(f"web-{SESSION.session_id}", "does it hurt?")]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("payload", "status", "says"),
    [
        (chat(session_id="../../etc"), 400, "clear this conversation"),
        (chat(session_id="short"), 400, "clear this conversation"),
        (chat(message_id="<script>"), 400, "clear this conversation"),
        ({"text": "hi"}, 400, "clear this conversation"),
        ([1, 2], 400, "reload the page"),
        (chat(text="   "), 422, "type a message"),
        (chat(text=None), 422, "type a message"),
        (chat(text="a" * 2001), 422, "under 2000 characters"),
    ],
)
async def test_bad_chat_requests_get_a_kind_answer_and_never_reach_rasa(client, fake_rasa, payload, status, says):
    async with client:
        response = await client.post("/api/chat", json=payload)
    assert response.status_code == status
    assert says in response.json()["error"]
    assert fake_rasa.received == []


@pytest.mark.asyncio
async def test_exactly_2000_characters_is_accepted(client, fake_rasa):
    async with client:
        response = await client.post("/api/chat", json=chat(text="a" * 2000))
    assert response.status_code == 200
    assert fake_rasa.texts() == ["a" * 2000]


@pytest.mark.asyncio
async def test_unreadable_or_oversized_bodies_are_refused(client, fake_rasa):
    async with client:
        not_json = await client.post("/api/chat", content=b"{nope", headers={"content-type": "application/json"})
        form = await client.post("/api/chat", data={"text": "hi"})
        huge = await client.post("/api/chat", json=chat(text="a" * 20_000))
    assert not_json.status_code == 400
    assert form.status_code == 415
    assert huge.status_code == 413 and "shorten" in huge.json()["error"]
    assert fake_rasa.received == []


@pytest.mark.asyncio
async def test_when_rasa_is_down_the_patient_is_told_kindly_with_the_clinic_phone(client, fake_rasa):
    fake_rasa.fail_status = 502
    async with client:
        response = await client.post("/api/chat", json=chat())
    assert response.status_code == 503
    assert "+44 20 7946 0321" in response.json()["error"]


@pytest.mark.asyncio
async def test_when_rasa_is_not_even_listening_the_answer_is_the_same_kind_503():
    with FakeRasa() as fake:
        url = fake.url
    app = create_app(Settings(rasa_url=url, site_origins=[SITE], app_secret_key=APP_SECRET))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ME) as client:
        response = await client.post("/api/chat", json=chat())
    assert response.status_code == 503
    assert "not available just now" in response.json()["error"]


@pytest.mark.asyncio
async def test_cors_lets_only_the_configured_site_origins_use_the_chat(client, fake_rasa):
    preflight = {"access-control-request-method": "POST", "access-control-request-headers": "content-type"}
    async with client:
        allowed = await client.options("/api/chat", headers={"origin": SITE, **preflight})
        refused = await client.options("/api/chat", headers={"origin": "https://evil.example", **preflight})
        allowed_post = await client.post("/api/chat", json=chat(), headers={"origin": SITE})
        refused_post = await client.post(
            "/api/chat", json=chat(message_id="message0002"), headers={"origin": "https://evil.example"}
        )
        same_origin_post = await client.post("/api/chat", json=chat(message_id="message0003"), headers={"origin": ME})
        page = await client.get("/", headers={"origin": SITE})
    assert allowed.status_code == 200 and allowed.headers["access-control-allow-origin"] == SITE
    assert refused.status_code == 400 and "access-control-allow-origin" not in refused.headers
    assert allowed_post.headers["access-control-allow-origin"] == SITE
    assert refused_post.status_code == 403 and "access-control-allow-origin" not in refused_post.headers
    assert same_origin_post.status_code == 200
    assert "access-control-allow-origin" not in page.headers  # CORS is for the chat endpoint only
    assert fake_rasa.texts() == ["hello", "hello"]


@pytest.mark.asyncio
async def test_the_end_of_a_conversation_is_a_flag_on_the_answer_not_a_message(client, fake_rasa):
    fake_rasa.responder = lambda sender, text: [
        {"recipient_id": sender, "text": "Thank you, that is all."},
        {"recipient_id": sender, "custom": {"forget_conversation": True}},
    ]
    async with client:
        ended = await client.post("/api/chat", json=chat("yes"))
        retried = await client.post("/api/chat", json=chat("yes"))
    assert ended.status_code == 200
    assert ended.json() == {"messages": [{"text": "Thank you, that is all."}], "conversation_ended": True}
    # A retry of the message that ended it (its answer was lost) gets that answer again, from memory.
    assert retried.json() == ended.json()
    assert fake_rasa.texts() == ["yes"]


@pytest.mark.asyncio
async def test_when_rasa_answers_nothing_the_patient_still_gets_a_kind_answer():
    with FakeRasa(responder=lambda sender, text: []) as fake:
        app = create_app(Settings(rasa_url=fake.url, site_origins=[SITE], app_secret_key=APP_SECRET))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ME) as client:
            response = await client.post("/api/chat", json=chat())
    assert response.status_code == 200
    [message] = response.json()["messages"]
    assert "something went wrong" in message["text"] and "+44 20 7946 0321" in message["text"]


def test_widget_labels_come_from_their_yaml_and_every_language_has_all_of_them(tmp_path):
    import yaml

    from bot.web.widget_script import LABELS_FILE, WidgetLabelsError, widget_labels, widget_script

    shipped = widget_labels()
    assert shipped["en"]["send"] == "Send" and set(shipped["de"]) == set(shipped["en"])
    assert '"send": "Send"' in widget_script(2).text
    broken = yaml.safe_load(LABELS_FILE.read_text(encoding="utf-8"))
    del broken["de"]["send"]
    broken["de"]["sendd"] = "Senden"
    path = tmp_path / "widget_labels.yml"
    path.write_text(yaml.safe_dump(broken, allow_unicode=True), encoding="utf-8")
    with pytest.raises(WidgetLabelsError, match=r"'de' missing \['send'\], unknown \['sendd'\]"):
        widget_labels(path)


def test_the_relays_own_words_are_domain_responses():
    from bot.responses import MissingResponse, own_text, wait_in_words
    from bot.web.validation import EMPTY

    assert own_text(EMPTY) == "Please type a message first."
    assert [wait_in_words(n) for n in (1, 30, 600)] == ["1 second", "30 seconds", "10 minutes"]
    with pytest.raises(MissingResponse, match="utter_relay_nothing"):
        own_text("utter_relay_nothing")


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("text", "lang", "language"),
    [
        ("hi", "es-ES", "es"),  # a greeting says too little: the page's language
        ("hola", "en", "es"),  # Spanish typed on an English page
        ("does it hurt?", "es_419", "en"),  # and English on a Spanish one
        ("ok", None, "en"),  # no page language: English
        ("ok", "de", "en"),  # a page language we do not speak
        ("hola", "<script>", "es"),  # not a language tag: ignored, the message is still relayed
        ("ok", 42, "en"),
        ("ok", "es-" + "x" * 40, "en"),
    ],
)
async def test_every_message_reaches_rasa_with_the_conversation_language(client, fake_rasa, text, lang, language):
    payload = chat(text) if lang is None else {**chat(text), "lang": lang}
    async with client:
        response = await client.post("/api/chat", json=payload)
    assert response.status_code == 200
    [metadata] = fake_rasa.metadata
    assert metadata["language"] == language
    assert len(metadata["client"]) > 8  # still the client's pseudonym beside it


def test_the_widget_sends_the_page_language_with_every_request():
    from bot.web.validation import parse_chat_request

    main = (PARTS_DIR / "main.js").read_text(encoding="utf-8")
    transport = (PARTS_DIR / "transport.js").read_text(encoding="utf-8")
    assert "data.lang || document.documentElement.lang" in main and "pageLang" in main
    assert "Object.assign({ lang: pageLang }, payload)" in transport  # /api/session and /api/chat
    assert parse_chat_request({**chat(), "lang": "es-ES"}).page_language == "es"
    assert parse_chat_request(chat()).page_language is None


@pytest.fixture
def said(monkeypatch):
    """(response, language) of every sentence the relay says itself."""
    import bot.web.app
    import bot.web.relay
    import bot.web.validation
    from bot.responses import own_text

    spoken: list[tuple[str, str]] = []

    def spy(name, language="en", **values):
        spoken.append((name, language))
        return own_text(name, language, **values)

    for module in (bot.web.app, bot.web.relay, bot.web.validation):
        monkeypatch.setattr(module, "own_text", spy)
    return spoken


@pytest.mark.asyncio
async def test_the_relays_own_answers_are_in_the_messages_language(client, fake_rasa, said):
    fake_rasa.fail_status = 502
    async with client:
        down = await client.post("/api/chat", json={**chat("hola"), "lang": "en"})
        empty = await client.post("/api/chat", json={**chat("   "), "lang": "es-MX"})
        too_long = await client.post("/api/chat", json={**chat("a" * 2001), "lang": "es"})
        no_page_language = await client.post("/api/chat", json=chat("   "))
    assert [r.status_code for r in (down, empty, too_long, no_page_language)] == [503, 422, 422, 422]
    assert said == [
        ("utter_relay_unavailable", "es"),
        ("utter_relay_empty", "es"),
        ("utter_relay_too_long", "es"),
        ("utter_relay_empty", "en"),
    ]


@pytest.mark.asyncio
async def test_a_retry_after_the_conversation_ended_is_answered_in_its_language(said):
    from bot.web.relay import ChatRelay

    class EndingRasa:
        async def send(self, sender_id, text, metadata=None, message_id=None):
            return [{"text": "Gracias."}, {"custom": {"forget_conversation": True}}]

    relay = ChatRelay(EndingRasa())
    await relay.send("session0001", "message0001", "sí", {"language": "es"})
    await relay.send("session0001", "message0002", "vale", {"language": "es"})  # a new conversation, ended too
    await relay.send("session0001", "message0001", "sí", {"language": "es"})  # forgotten: the neutral reply
    assert said == [("utter_relay_already_answered", "es")]
