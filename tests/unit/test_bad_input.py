"""Bad input costs no 500 anywhere we serve HTTP: the widget's relay (bot.web), the dashboard and
the Telegram webhook listener. Deep JSON, huge bodies, invalid UTF-8, NUL and control characters,
odd Host headers, wrong content types, JSON that is not an object; and raw CR, LF and NUL in the
request line and headers sent over a socket to uvicorn serving each app."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import threading
import time

import pytest
import uvicorn
from starlette.testclient import TestClient
from telegram import Bot

from bot.dashboard.app import create_app as create_dashboard
from bot.dashboard.security import SecurityConfig
from bot.http_guard import BAD_ADDRESS
from bot.responses import own_text
from bot.settings import Settings
from bot.telegram import webhook
from bot.web import validation
from bot.web.app import create_app as create_web
from bot.web.sessions import SessionSigner
from tests.fakes.fake_rasa import FakeRasa
from tests.support.dashboard_db import PASSWORDS, db_url, template_db  # noqa: F401  (fixtures)

DEEP = b"[" * 5000 + b"]" * 5000  # small enough for the size limit, too deep for the parser
JSON = {"content-type": "application/json"}


APP_SECRET = "test-app-secret-" + "k" * 32
SESSION = SessionSigner(APP_SECRET.encode()).issue()  # as /api/session would issue it


def chat(text="hello", session_id=SESSION.session_id, message_id="message0001"):
    return {"session_id": session_id, "token": SESSION.token, "message_id": message_id, "text": text}


# ---------------------------------------------------------------- the widget's relay


@pytest.fixture
def fake_rasa():
    with FakeRasa() as fake:
        yield fake


@pytest.fixture
def web(fake_rasa):
    return TestClient(
        create_web(Settings(rasa_url=fake_rasa.url, app_secret_key=APP_SECRET)), raise_server_exceptions=False
    )


@pytest.mark.parametrize(
    ("body", "headers", "status", "says"),
    [
        (DEEP, JSON, 400, validation.UNREADABLE),
        (b'{"a":' * 3000 + b"1" + b"}" * 3000, JSON, 413, validation.BODY_TOO_LARGE),
        (b"x" * 1_000_000, JSON, 413, validation.BODY_TOO_LARGE),
        (b'{"text": "\xff\xfe"}', JSON, 400, validation.UNREADABLE),
        (b'"just a string"', JSON, 400, validation.UNREADABLE),
        (b"null", JSON, 400, validation.UNREADABLE),
        (b"1" * 5000, JSON, 400, validation.UNREADABLE),  # more digits than int() takes
        (json.dumps(chat()).encode(), {"content-type": "text/plain"}, 415, validation.UNREADABLE),
        (json.dumps(chat()).encode(), {}, 415, validation.UNREADABLE),
        (json.dumps(chat(text="\ud800")).encode(), JSON, 422, validation.EMPTY),  # a lone surrogate only
        (json.dumps(chat(text="\x00\x07")).encode(), JSON, 422, validation.EMPTY),
        (json.dumps(chat(session_id="session0001\n")).encode(), JSON, 400, validation.BAD_SESSION),
        (json.dumps(chat(message_id=["message0001"])).encode(), JSON, 400, validation.BAD_SESSION),
        (json.dumps(chat(text={"x": 1})).encode(), JSON, 422, validation.EMPTY),
    ],
    ids=[
        "deep",
        "deep-but-large",
        "huge",
        "invalid-utf8",
        "string",
        "null",
        "long-number",
        "text/plain",
        "no-content-type",
        "lone-surrogate",
        "only-controls",
        "newline-in-id",
        "list-id",
        "object-text",
    ],
)
def test_bad_chat_bodies_get_a_kind_4xx_and_never_reach_rasa(web, fake_rasa, body, headers, status, says):
    response = web.post("/api/chat", content=body, headers=headers)
    assert (response.status_code, response.json()) == (status, {"error": own_text(says)})
    assert fake_rasa.received == []


def test_control_characters_and_lone_surrogates_are_dropped_from_a_message(web, fake_rasa):
    response = web.post("/api/chat", content=json.dumps(chat(text="does\x00 it\ud800 hurt?\r\n\tok")), headers=JSON)
    assert response.status_code == 200
    assert fake_rasa.texts() == ["does it hurt?\n\tok"]


@pytest.mark.parametrize("path", ["/static/%00", "/static/widget%00.js", "/%0d%0aSet-Cookie:x=1", "/?q=%00"])
def test_control_characters_in_the_address_are_refused(web, path):
    response = web.get(path)
    assert response.status_code == 400 and response.json() == {"error": BAD_ADDRESS}
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("host", ["[", "x]:y", "[::1", "example.com:99999", "a:b"])
def test_a_host_header_that_is_no_host_is_refused(web, fake_rasa, host):
    response = web.post("/api/chat", json=chat(), headers={"host": host, "origin": "http://elsewhere.example"})
    assert response.status_code == 400 and response.json() == {"error": BAD_ADDRESS}
    assert web.get("/", headers={"host": host}).status_code == 400
    assert fake_rasa.received == []


# ---------------------------------------------------------------- the dashboard


@pytest.fixture
def dashboard(db_url):
    client = TestClient(
        create_dashboard(db_url, SecurityConfig("x" * 48, secure_cookies=False)),
        follow_redirects=False,
        raise_server_exceptions=False,
    )
    token = _token(client.get("/signin").text)
    client.post("/signin", data={"username": "ada", "password": PASSWORDS["ada"], "csrf_token": token})
    return client


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


@pytest.mark.parametrize(
    "query",
    [
        "page=" + "9" * 30,
        "page=" + "9" * 5000,
        "to=9999-12-31",
        "from=0001-01-01",
        "from=2025-13-45",
        "q=%ff%fe",
        "q=" + "A" * 10_000,
    ],
)
def test_odd_filters_are_ignored_or_explained_not_a_500(dashboard, query):
    response = dashboard.get("/?" + query)
    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/?q=%00", "/requests/%00", "/requests/a%0d%0ab", "/static/%00", "/audit?action=%00"])
def test_nul_and_control_characters_in_dashboard_addresses_are_refused(dashboard, path):
    response = dashboard.get(path)
    assert response.status_code == 400 and response.text == BAD_ADDRESS


def test_dashboard_refuses_a_host_header_that_is_no_host(dashboard):
    assert dashboard.get("/", headers={"host": "["}).status_code == 400


def test_odd_forms_are_refused_kindly(dashboard):
    token = _token(dashboard.get("/").text)
    form = {"content-type": "application/x-www-form-urlencoded"}
    many = dashboard.post(
        "/export.csv", content=f"csrf_token={token}&" + "&".join(f"f{i}=1" for i in range(200)), headers=form
    )
    assert many.status_code == 403 and "reload the page" in many.text
    nul = dashboard.post("/requests/R-1/status", content=f"csrf_token={token}&to_status=new&note=a%00b", headers=form)
    assert nul.status_code == 400 and "control character" in nul.text
    huge = dashboard.post("/signin", content=b"x" * 100_000, headers=form)
    assert huge.status_code == 413
    export = dashboard.post("/export.csv", content=f"csrf_token={token}&to=9999-12-31&page={'9' * 40}", headers=form)
    assert export.status_code == 200
    not_utf8 = dashboard.post(
        "/requests/R-1/status", content=f"csrf_token={token}&note=".encode() + b"\xff", headers=form
    )
    assert not_utf8.status_code == 404  # no such request: read, not a 500


# ---------------------------------------------------------------- the Telegram webhook listener

SECRET = "webhook-secret_1"
UPDATE = {
    "update_id": 10,
    "message": {
        "message_id": 1,
        "date": 0,
        "chat": {"id": 5, "type": "private"},
        "from": {"id": 5, "is_bot": False, "first_name": "P"},
        "text": "hi",
    },
}


async def _take_into(queue: asyncio.Queue):
    async def handle(update) -> int:
        await queue.put(update)
        return 200

    return handle


@pytest.fixture
def listener():
    queue: asyncio.Queue = asyncio.Queue()
    app = webhook.webhook_app("telegram/updates", SECRET, Bot("1:TOKEN"), asyncio.run(_take_into(queue)))
    return TestClient(app, raise_server_exceptions=False), queue


def _deliver(client, body: bytes, secret: str | None = SECRET, content_type: str = "application/json"):
    headers = {"content-type": content_type}
    if secret is not None:
        headers[webhook.SECRET_HEADER] = secret
    return client.post("/telegram/updates", content=body, headers=headers)


@pytest.mark.parametrize(
    ("body", "secret", "content_type", "status", "says"),
    [
        (json.dumps(UPDATE).encode(), "wrong", "application/json", 403, webhook.WRONG_SECRET),
        (json.dumps(UPDATE).encode(), None, "application/json", 403, webhook.WRONG_SECRET),
        (b"x" * 10_000_000, None, "application/json", 403, webhook.WRONG_SECRET),  # not read at all
        (json.dumps(UPDATE).encode(), SECRET, "text/plain", 415, webhook.NOT_JSON),
        (b"x" * (webhook.MAX_UPDATE_BYTES + 1), SECRET, "application/json", 413, webhook.TOO_LARGE),
        (b'{"update_id": 1, "message": {"text": "\xff"}}', SECRET, "application/json", 400, webhook.UNREADABLE),
        (b"{nope", SECRET, "application/json", 400, webhook.UNREADABLE),
        (DEEP, SECRET, "application/json", 400, webhook.UNREADABLE),
        (b"[1, 2]", SECRET, "application/json", 400, webhook.UNREADABLE),
        (b"null", SECRET, "application/json", 400, webhook.UNREADABLE),
        (b'{"message": "text"}', SECRET, "application/json", 400, webhook.NOT_AN_UPDATE),
        (b'{"update_id": 3, "message": "text"}', SECRET, "application/json", 400, webhook.NOT_AN_UPDATE),
    ],
    ids=[
        "wrong-secret",
        "no-secret",
        "huge-without-secret",
        "text/plain",
        "huge",
        "invalid-utf8",
        "not-json",
        "deep",
        "list",
        "null",
        "no-update-id",
        "message-not-an-object",
    ],
)
def test_bad_webhook_deliveries_get_a_4xx_and_queue_nothing(listener, caplog, body, secret, content_type, status, says):
    client, queue = listener
    response = _deliver(client, body, secret, content_type)
    assert (response.status_code, response.json()) == (status, {"ok": False, "description": says})
    assert queue.empty()
    assert "text" not in caplog.text  # nothing a patient wrote reaches the log


def test_a_good_delivery_is_queued_with_or_without_the_trailing_slash(listener):
    client, queue = listener
    assert (
        _deliver(client, json.dumps(UPDATE).encode(), content_type="application/json; charset=utf-8").status_code == 200
    )
    headers = {"content-type": "application/json", webhook.SECRET_HEADER: SECRET}
    assert (
        client.post("/telegram/updates/", content=json.dumps(UPDATE | {"update_id": 11}), headers=headers).status_code
        == 200
    )
    assert [queue.get_nowait().update_id for _ in range(2)] == [10, 11]
    assert client.post("/elsewhere", content=b"{}", headers=headers).status_code == 404
    assert client.get("/telegram/updates", headers=headers).status_code == 405


# ---------------------------------------------------------------- raw bytes on the wire


def _serve(app) -> tuple[uvicorn.Server, int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical", lifespan="off"))
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    return server, port


def _raw(port: int, request: bytes) -> int | None:
    """The status of uvicorn's answer to a raw request (None: it closed the connection unanswered)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
        connection.sendall(request)
        answer = b""
        try:
            while b"\r\n" not in answer:
                chunk = connection.recv(4096)
                if not chunk:
                    break
                answer += chunk
        except ConnectionResetError:
            pass
    match = re.match(rb"HTTP/1\.[01] (\d{3})", answer)
    return int(match.group(1)) if match else None


RAW_REQUESTS = {
    "nul-in-path": b"GET /static/\x00x HTTP/1.1\r\nHost: localhost\r\n\r\n",
    "cr-in-path": b"GET /a\rb HTTP/1.1\r\nHost: localhost\r\n\r\n",
    "lf-in-path": b"GET /a\nSet-Cookie: x HTTP/1.1\r\nHost: localhost\r\n\r\n",
    "nul-in-header": b"GET / HTTP/1.1\r\nHost: localhost\r\nX-A: a\x00b\r\n\r\n",
    "cr-in-header": b"GET / HTTP/1.1\r\nHost: localhost\r\nX-A: a\rb\r\n\r\n",
    "lf-folded-header": b"GET / HTTP/1.1\r\nHost: localhost\r\nX-A: a\r\n b\r\n\r\n",
    "non-ascii-path": "GET /é HTTP/1.1\r\nHost: localhost\r\n\r\n".encode(),
    "encoded-nul": b"GET /%00 HTTP/1.1\r\nHost: localhost\r\n\r\n",
    "bad-host": b"GET / HTTP/1.1\r\nHost: [\r\n\r\n",
    "huge-header": b"GET / HTTP/1.1\r\nHost: localhost\r\nX-A: " + b"a" * 200_000 + b"\r\n\r\n",
}


@pytest.mark.parametrize("which", ["web", "dashboard", "webhook"])
def test_raw_control_characters_on_the_wire_never_get_a_500(which, fake_rasa, db_url):
    apps = {
        "web": lambda: create_web(Settings(rasa_url=fake_rasa.url)),
        "dashboard": lambda: create_dashboard(db_url, SecurityConfig("x" * 48, secure_cookies=False)),
        "webhook": lambda: webhook.webhook_app(
            "telegram/updates", SECRET, Bot("1:TOKEN"), asyncio.run(_take_into(asyncio.Queue()))
        ),
    }
    server, port = _serve(apps[which]())
    try:
        statuses = {name: _raw(port, request) for name, request in RAW_REQUESTS.items()}
    finally:
        server.should_exit = True
    assert all(status is not None and status < 500 for status in statuses.values()), statuses
    assert statuses["encoded-nul"] in (400, 404) and statuses["bad-host"] in (400, 404)
