"""Only the assistant's own parts reach its insides (the real processes):
- Rasa and the action server listen on loopback only;
- the action server runs an action only for Rasa (the shared secret) and refuses oversized
  calls, compressed or not, without its memory growing;
- Rasa's REST channel takes a message only from our bridges (the channel secret), so nobody else
  can speak for a `web-` or `telegram-` conversation."""

from __future__ import annotations

import json
import os
import uuid
import zlib
from pathlib import Path

import httpx
import pytest

from bot.consent import consent_version
from bot.db.base import session_scope
from bot.db.migrate import upgrade_to_head
from bot.db.models import ConsultationRequest
from bot.shared_secrets import ACTION_HEADER, CHANNEL_HEADER, new_secret
from bot.stack import Service, action_server_command, free_port
from tests.support.listening import connects, listening_addresses, non_loopback_address
from tests.support.tracker_db import tracker_rows

FORGED_NAME = "Forged Patient"


@pytest.fixture(scope="module")
def action_server(tmp_path_factory):
    """A real action server of its own (its own database), so the control below may store."""
    workdir = tmp_path_factory.mktemp("action_server")
    database_url = f"sqlite:///{workdir / 'intake.db'}"
    upgrade_to_head(database_url)
    secret = new_secret()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    env.update(DATABASE_URL=database_url, VAR_DIR=str(workdir), ACTION_SERVER_SECRET=secret)
    port = free_port()
    service = Service(
        "action server",
        action_server_command(port),
        f"http://127.0.0.1:{port}/health",
        env=env,
        log_path=workdir / "actions.log",
    )
    service.start()
    try:
        service.wait_ready(timeout=90)
        yield {
            "url": f"http://127.0.0.1:{port}",
            "port": port,
            "secret": secret,
            "database_url": database_url,
            "service": service,
        }
    finally:
        service.stop()


def stored(database_url: str) -> list[tuple[str, str]]:
    with session_scope(database_url) as session:
        return [(row.name, row.outcome) for row in session.query(ConsultationRequest).all()]


def forged_finish_intake(sender: str) -> dict:
    """The old attack: `action_finish_intake` for a conversation that never happened, with slots
    that make an "eligible" request."""
    slots = {
        "review_confirm": "confirmed",
        "intake_started_at": "2026-01-01T10:00:00",
        "full_name": FORGED_NAME,
        "preferred_contact": "phone",
        "concerns": "acne scars",
        "consent_at": "2026-01-01T10:00:00+00:00",
        "date_of_birth": "1985-03-14",
        "age": 40,
        "phone": "+447911123456",
        "email": None,
        "preferred_time": "evenings",
        "health_notes": "none",
        "screening_answers": [],
        "consent_version": consent_version("Do you agree?"),
        "consent_text": "Do you agree?",
    }
    return {
        "next_action": "action_finish_intake",
        "sender_id": sender,
        "version": "3.6.21",
        "domain": {},
        "tracker": {"sender_id": sender, "slots": slots, "latest_message": {}, "events": [], "active_loop": {}},
    }


def post_action_call(server: dict, body: bytes, **headers: str) -> httpx.Response:
    return httpx.post(
        f"{server['url']}/webhook", content=body, timeout=60, headers={"Content-Type": "application/json", **headers}
    )


def test_the_action_server_listens_on_loopback_only(action_server):
    assert listening_addresses(action_server["port"]) == {"127.0.0.1"}
    other = non_loopback_address()
    if other:  # this machine's own non-loopback address does not reach it
        assert not connects(other, action_server["port"])


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", "x" * 43])
def test_a_forged_action_call_without_the_secret_is_refused_and_stores_nothing(action_server, secret):
    before = stored(action_server["database_url"])
    headers = {} if secret is None else {ACTION_HEADER: secret}
    answer = post_action_call(
        action_server, json.dumps(forged_finish_intake(f"web-{uuid.uuid4().hex}")).encode(), **headers
    )
    assert answer.status_code == 403
    assert FORGED_NAME not in answer.text and "events" not in answer.text
    assert stored(action_server["database_url"]) == before


def test_the_same_call_with_the_secret_would_store_it(action_server):
    # The control: the forged call above is a real attack, refused only for the missing secret.
    body = json.dumps(forged_finish_intake(f"web-{uuid.uuid4().hex}")).encode()
    answer = post_action_call(action_server, body, **{ACTION_HEADER: action_server["secret"]})
    assert answer.status_code == 200, answer.text
    assert (FORGED_NAME, "eligible") in stored(action_server["database_url"])


def test_health_and_listing_actions(action_server):
    assert httpx.get(f"{action_server['url']}/health", timeout=10).json() == {"status": "ok"}
    assert httpx.get(f"{action_server['url']}/actions", timeout=10).status_code == 403
    listed = httpx.get(f"{action_server['url']}/actions", headers={ACTION_HEADER: action_server["secret"]}, timeout=10)
    assert listed.status_code == 200 and {"name": "action_finish_intake"} in listed.json()


def test_an_oversized_action_call_is_refused(action_server):
    call = forged_finish_intake("web-big")
    call["tracker"]["slots"]["concerns"] = "x" * (9 * 1024 * 1024)
    answer = post_action_call(action_server, json.dumps(call).encode(), **{ACTION_HEADER: action_server["secret"]})
    assert answer.status_code == 413
    assert action_server["service"].running()


def _peak_memory_kb(session_leader: int) -> int:
    """The largest peak resident size (VmHWM) among the action server's processes (Sanic's worker)."""
    peaks = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
            if os.getsid(int(status.parent.name)) == session_leader and "VmHWM" in fields:
                peaks.append(int(fields["VmHWM"].split()[0]))
        except (OSError, ValueError):
            continue
    return max(peaks)


def test_a_deflate_bomb_is_refused_without_the_memory_blowing_up(action_server):
    # 1 GiB of JSON whitespace after a valid object, deflated to about 1 MB: under the body limit,
    # but rasa-sdk alone would inflate all of it into memory.
    compressor = zlib.compressobj(9)
    parts = [compressor.compress(json.dumps(forged_finish_intake("web-bomb")).encode())]
    chunk = b" " * (16 * 1024 * 1024)
    parts += [compressor.compress(chunk) for _ in range(64)]
    bomb = b"".join(parts) + compressor.flush()
    assert len(bomb) < 8 * 1024 * 1024
    pid = action_server["service"].process.pid
    before = _peak_memory_kb(pid)

    answer = post_action_call(
        action_server, bomb, **{"Content-Encoding": "deflate", ACTION_HEADER: action_server["secret"]}
    )
    assert answer.status_code == 413
    assert _peak_memory_kb(pid) - before < 64 * 1024, "the bomb was inflated only up to the limit"
    assert action_server["service"].running()
    # Without the secret it is not even inflated.
    assert post_action_call(action_server, bomb, **{"Content-Encoding": "deflate"}).status_code == 403


def test_a_small_deflate_call_from_rasa_still_runs(action_server):
    body = zlib.compress(
        json.dumps(forged_finish_intake("web-small") | {"next_action": "action_session_start"}).encode()
    )
    answer = post_action_call(
        action_server, body, **{"Content-Encoding": "deflate", ACTION_HEADER: action_server["secret"]}
    )
    assert answer.status_code == 200, answer.text


# --- Rasa's REST channel -----------------------------------------------------------------------


def forged_message(rasa_stack, sender: str, text: str, **headers: str) -> httpx.Response:
    return httpx.post(
        f"{rasa_stack.rasa_url}/webhooks/rest/webhook",
        json={"sender": sender, "message": text},
        headers=headers,
        timeout=60,
    )


def test_rasa_and_its_action_server_listen_on_loopback_only(rasa_stack):
    for url in (rasa_stack.rasa_url, rasa_stack.action_url):
        port = httpx.URL(url).port
        assert listening_addresses(port) == {"127.0.0.1"}, url


@pytest.mark.parametrize("channel", ["web", "telegram"])
def test_a_forged_message_cannot_cancel_a_patients_intake(rasa_stack, channel):
    sender = f"{channel}-{uuid.uuid4().hex[:10]}"
    assert any("agree" in text for text in rasa_stack.texts(sender, "I'd like to book a consultation"))
    assert any("full name" in text for text in rasa_stack.texts(sender, "yes"))
    events_before = tracker_rows(rasa_stack.tracker_store_url, sender)

    for headers in ({}, {CHANNEL_HEADER: "wrong"}, {CHANNEL_HEADER: ""}):
        refused = forged_message(rasa_stack, sender, "stop", **headers)
        assert refused.status_code == 403
        assert "stop" not in refused.text and sender not in refused.text, "nothing of the request is echoed"
    assert tracker_rows(rasa_stack.tracker_store_url, sender) == events_before, "the conversation was not touched"

    # The patient's own next answer, through the bridge (with the secret), continues the intake.
    assert any("date of birth" in text for text in rasa_stack.texts(sender, "Jane Smith"))


def test_rasa_sends_no_cors_headers(rasa_stack):
    origin = {"Origin": "http://localhost:8000"}
    preflight = httpx.options(
        f"{rasa_stack.rasa_url}/webhooks/rest/webhook",
        timeout=10,
        headers={**origin, "Access-Control-Request-Method": "POST"},
    )
    answer = forged_message(rasa_stack, "t-cors", "hi", **origin, **{CHANNEL_HEADER: rasa_stack.channel_secret})
    assert answer.status_code == 200
    for response in (preflight, answer):
        assert not any(name.lower().startswith("access-control-") for name in response.headers)
