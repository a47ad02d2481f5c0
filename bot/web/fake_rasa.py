"""A stand-in for Rasa's REST channel on 127.0.0.1, for the widget's tests.

The real-assistant tests use the trained model; this one exists for what a real Rasa cannot be made
to do on demand: answer slowly, fail, or be counted exactly (was a retried message sent twice?).
It is a real HTTP server in a thread, so the relay's HTTP client is exercised for real.
"""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Responder = Callable[[str, str], list[dict[str, Any]]]


def echo_responder(sender: str, text: str) -> list[dict[str, Any]]:
    return [{"recipient_id": sender, "text": f"You said: {text}"}]


class FakeRasa:
    def __init__(self, responder: Responder = echo_responder):
        self.responder = responder
        self.delay = 0.0           # seconds to wait before answering
        self.fail_status: int | None = None  # answer this HTTP status instead of messages
        self.received: list[tuple[str, str]] = []
        self.metadata: list[Any] = []  # the REST `metadata` of each received message (None if absent)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def texts(self) -> list[str]:
        with self._lock:
            return [text for _, text in self.received]

    def __enter__(self) -> FakeRasa:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                if self.path != "/webhooks/rest/webhook":
                    self._reply(404, {"error": "not found"})
                    return
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
                if fake.fail_status is not None:
                    self._reply(fake.fail_status, {"error": "failing on purpose"})
                    return
                with fake._lock:
                    fake.received.append((body["sender"], body["message"]))
                    fake.metadata.append(body.get("metadata"))
                time.sleep(fake.delay)
                self._reply(200, fake.responder(body["sender"], body["message"]))

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
