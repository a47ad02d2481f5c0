"""The relay against abuse: it issues the session ids itself and refuses made-up or forged ones,
answers too many messages (per conversation, per client address) with a kind 429 saying how long
to wait, believes X-Forwarded-For only behind the configured proxies, and tells Rasa the client's
pseudonym (never its address) so the action server can cap stored requests per client."""

from __future__ import annotations

import itertools

import pytest
from starlette.datastructures import Headers
from starlette.testclient import TestClient

from bot.client_address import client_address
from bot.limits import MemoryLimiter
from bot.settings import Settings
from bot.web.app import create_app
from bot.web.sessions import TOKEN_MAX_AGE_SECONDS, SessionSigner
from tests.fakes.fake_rasa import FakeRasa

APP_SECRET = "test-app-secret-" + "a" * 32
_message_ids = itertools.count()


@pytest.fixture
def fake_rasa():
    with FakeRasa() as fake:
        yield fake


def make_client(fake_rasa, **settings) -> TestClient:
    app = create_app(Settings(rasa_url=fake_rasa.url, app_secret_key=APP_SECRET, **settings), limits=MemoryLimiter())
    return TestClient(app, base_url="http://localhost:8000")


def new_session(client, **headers) -> dict:
    response = client.post("/api/session", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def say(client, session, text="hello", message_id=None, **headers):
    body = {**session, "message_id": message_id or f"message{next(_message_ids):06d}", "text": text}
    return client.post("/api/chat", json=body, headers=headers)


def test_the_relay_issues_random_signed_sessions_and_chat_works_with_them(fake_rasa):
    with make_client(fake_rasa) as client:
        first, second = new_session(client), new_session(client)
        answer = say(client, first, "does it hurt?")
    assert set(first) == {"session_id", "token"}
    assert len(first["session_id"]) == 32 and int(first["session_id"], 16) >= 0
    assert first["session_id"] != second["session_id"]
    assert answer.status_code == 200
    assert fake_rasa.received == [(f"web-{first['session_id']}", "does it hurt?")]


@pytest.mark.parametrize(
    "forge",
    [
        lambda s: {"session_id": "0123456789abcdef0123456789abcdef"},  # made up, no token
        lambda s: {"session_id": "0123456789abcdef0123456789abcdef", "token": s["token"]},  # another id's token
        lambda s: {**s, "token": s["token"][:-1] + ("B" if s["token"][-1] == "A" else "A")},  # tampered
        lambda s: {**s, "token": "1." + "A" * 43},  # a token never issued
        lambda s: {**s, "token": ["not", "a", "string"]},
        lambda s: {**s, "token": SessionSigner(b"another server's secret, thirty-two+").issue().token},
    ],
)
def test_forged_or_unsigned_session_ids_are_refused_kindly_and_never_reach_rasa(fake_rasa, forge):
    with make_client(fake_rasa) as client:
        response = say(client, forge(new_session(client)))
    assert response.status_code == 403
    assert response.json() == {
        "error": "This chat session has expired, so a new one has been started.",
        "new_session": True,
    }
    assert fake_rasa.received == []


def test_a_token_expires_after_a_day():
    now = [1_700_000_000.0]
    signer = SessionSigner(b"k" * 32, clock=lambda: now[0])
    issued = signer.issue()
    now[0] += TOKEN_MAX_AGE_SECONDS - 1
    assert signer.verify(issued.session_id, issued.token)
    now[0] += 2
    assert not signer.verify(issued.session_id, issued.token)


def test_too_many_messages_in_one_conversation_get_a_kind_429_with_the_wait(fake_rasa):
    with make_client(fake_rasa, chat_per_conversation_per_minute=5) as client:
        session = new_session(client)
        answers = [say(client, session) for _ in range(7)]
        other_conversation = say(client, new_session(client))
    assert [a.status_code for a in answers] == [200] * 5 + [429] * 2
    limited = answers[5]
    body = limited.json()
    assert 55 <= body["retry_after"] <= 60 and limited.headers["retry-after"] == str(body["retry_after"])
    assert body["error"].startswith("That's a lot of messages at once") and "seconds" in body["error"]
    assert other_conversation.status_code == 200
    assert len(fake_rasa.received) == 6  # the limited ones never reached Rasa


def test_too_many_messages_from_one_address_are_limited_whatever_the_conversation(fake_rasa):
    with make_client(fake_rasa, chat_per_client_per_minute=8) as client:
        sessions = [new_session(client) for _ in range(4)]
        answers = [say(client, sessions[n % 4]) for n in range(10)]
    assert [a.status_code for a in answers] == [200] * 8 + [429] * 2
    assert "retry_after" in answers[-1].json()


def test_two_hundred_messages_in_a_burst_are_mostly_refused(fake_rasa):
    # The reported abuse: 200 messages in a few seconds from one client were all answered.
    with make_client(fake_rasa) as client:
        session = new_session(client)
        statuses = [say(client, session).status_code for _ in range(200)]
    assert statuses.count(200) == 30 and statuses.count(429) == 170  # the default: 30 a minute


def test_new_sessions_are_limited_per_address_too(fake_rasa):
    with make_client(fake_rasa, chat_sessions_per_client_per_hour=3) as client:
        statuses = [client.post("/api/session").status_code for _ in range(4)]
        refused = client.post("/api/session")
    assert statuses == [200, 200, 200, 429]
    assert "+44 20 7946 0321" in refused.json()["error"] and refused.json()["retry_after"] > 3000


def test_x_forwarded_for_counts_only_behind_the_configured_proxies(fake_rasa):
    # Without trusted proxies, a client cannot escape its limit by inventing addresses.
    with make_client(fake_rasa, chat_per_client_per_minute=3) as client:
        session = new_session(client)
        spoofed = [say(client, session, **{"x-forwarded-for": f"198.51.100.{n}"}).status_code for n in range(4)]
    assert spoofed == [200, 200, 200, 429]
    # Behind one proxy, the address it appended is the client's, whatever the client put before it.
    with make_client(fake_rasa, chat_per_client_per_minute=3, web_trusted_proxy_hops=1) as client:
        session = new_session(client)
        one = [say(client, session, **{"x-forwarded-for": f"10.9.9.{n}, 203.0.113.5"}).status_code for n in range(4)]
        other = say(client, session, **{"x-forwarded-for": "203.0.113.6"}).status_code
    assert one == [200, 200, 200, 429] and other == 200


def test_client_address_takes_the_entry_our_own_proxies_wrote():
    class Request:
        def __init__(self, *forwarded):
            self.client = type("Peer", (), {"host": "127.0.0.1"})()
            self.headers = Headers(raw=[(b"x-forwarded-for", line.encode()) for line in forwarded])

    assert client_address(Request("1.1.1.1, 2.2.2.2"), 0) == "127.0.0.1"
    assert client_address(Request("1.1.1.1, 2.2.2.2"), 1) == "2.2.2.2"
    assert client_address(Request("1.1.1.1, 2.2.2.2, 3.3.3.3"), 2) == "2.2.2.2"
    assert client_address(Request("2.2.2.2"), 2) == "2.2.2.2"
    assert client_address(Request(), 1) == "127.0.0.1"
    # HAProxy adds its own line after the client's: the client cannot choose its address with one.
    assert client_address(Request("6.6.6.6", "2.2.2.2"), 1) == "2.2.2.2"
    assert client_address(Request("6.6.6.6, 1.1.1.1", "2.2.2.2"), 2) == "1.1.1.1"


def test_rasa_gets_a_stable_pseudonym_of_the_client_never_its_address(fake_rasa):
    with make_client(fake_rasa, web_trusted_proxy_hops=1) as client:
        for address in ("203.0.113.5", "203.0.113.5", "203.0.113.6"):
            say(client, new_session(client), **{"x-forwarded-for": address})
    first, again, other = (m["client"] for m in fake_rasa.metadata)
    assert first == again != other and len(first) == 32
    assert "203.0.113" not in str(fake_rasa.metadata)


def test_sessions_are_refused_to_other_websites(fake_rasa):
    with make_client(fake_rasa, site_origins=["https://www.lumenskin.example"]) as client:
        refused = client.post("/api/session", headers={"origin": "https://evil.example"})
        allowed = client.post("/api/session", headers={"origin": "https://www.lumenskin.example"})
    assert refused.status_code == 403 and allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://www.lumenskin.example"


def test_two_relay_processes_sharing_redis_share_one_conversations_limit(fake_rasa, redis_url):
    import uuid

    from bot.limits import RedisLimiter

    prefix = f"test-relay-{uuid.uuid4().hex[:8]}:"  # this test's keys only, in the test database
    settings = Settings(rasa_url=fake_rasa.url, app_secret_key=APP_SECRET, chat_per_conversation_per_minute=4)
    relays = [
        TestClient(
            create_app(settings, limits=RedisLimiter(redis_url, APP_SECRET.encode(), prefix=prefix)),
            base_url="http://localhost:8000",
        )
        for _ in range(2)
    ]
    with relays[0] as first, relays[1] as second:
        session = new_session(first)  # signed with the shared secret: the other relay accepts it
        statuses = [say(relay, session).status_code for relay in (first, second) * 3]
    assert statuses == [200] * 4 + [429] * 2, "the two relays counted together"
    assert len(fake_rasa.received) == 4
