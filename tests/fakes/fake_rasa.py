"""A stand-in for Rasa's REST channel on 127.0.0.1, for the widget's and the Telegram bridge's tests.

The real-assistant tests use the trained model; this one exists for what a real Rasa cannot be made
to do on demand: answer with whatever a test scripts, answer slowly, fail, be counted exactly (was a
retried message sent twice?), or go down and come back on the same port. It is a real HTTP server
in a thread, so the relay's and the bridge's HTTP clients are exercised for real. Its readiness
check (GET /webhooks/rest/healthz, as bot/rasa_channel.py's) fails while `fail_status` is set.

    with FakeRasa(responder) as rasa: ...        # or rasa = FakeRasa(responder).start(); rasa.stop()
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.fakes.loopback import Served

Responder = Callable[[str, str], list[dict[str, Any]]]


def echo_responder(sender: str, text: str) -> list[dict[str, Any]]:
    return [{"text": f"You said: {text}"}]


class FakeRasa(Served):
    _thread_name = "fake-rasa"

    def __init__(self, responder: Responder = echo_responder):
        self.responder = responder  # (sender, text) -> Rasa's messages; `recipient_id` is added
        self.delay = 0.0  # seconds to wait before answering
        self.fail_status: int | None = None  # answer this HTTP status instead of messages
        self.request_ids: list[str | None] = []  # the X-Request-Id header of each received message
        self.received: list[tuple[str, str]] = []
        self.metadata: list[Any] = []  # the REST `metadata` of each received message (None if absent)
        self.message_ids: list[str | None] = []  # the `message_id` of each (None if absent)
        self.affinity: list[str | None] = []  # the X-Conversation-Ref header of each
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    def texts(self) -> list[str]:
        with self._lock:
            return [text for _, text in self.received]

    def messages_from(self, sender: str) -> list[str]:
        with self._lock:
            return [text for s, text in self.received if s == sender]

    def metadata_from(self, sender: str) -> list[Any]:
        with self._lock:
            return [metadata for (s, _), metadata in zip(self.received, self.metadata) if s == sender]

    def message_ids_from(self, sender: str) -> list[str | None]:
        with self._lock:
            return [message_id for (s, _), message_id in zip(self.received, self.message_ids) if s == sender]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802  (Rasa's readiness, bot/rasa_channel.py)
                if self.path != "/webhooks/rest/healthz":
                    self._reply(404, {"error": "not found"})
                elif fake.fail_status is not None:
                    self._reply(503, {"status": "unavailable"})
                else:
                    self._reply(200, {"status": "ok"})

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                if self.path != "/webhooks/rest/webhook":
                    self._reply(404, {"error": "not found"})
                    return
                body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)))
                if fake.fail_status is not None:
                    self._reply(fake.fail_status, {"error": "failing on purpose"})
                    return
                sender, text = body["sender"], body["message"]
                with fake._lock:
                    fake.request_ids.append(self.headers.get("x-request-id"))
                    fake.received.append((sender, text))
                    fake.metadata.append(body.get("metadata"))
                    fake.message_ids.append(body.get("message_id"))
                    fake.affinity.append(self.headers.get("x-conversation-ref"))
                time.sleep(fake.delay)
                self._reply(200, [{"recipient_id": sender, **m} for m in fake.responder(sender, text)])

            def _reply(self, status: int, payload: Any) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
                pass

        return Handler
