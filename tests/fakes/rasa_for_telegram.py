"""A tiny stand-in for Rasa's REST channel, for testing the Telegram bridge without a trained model.

It answers POST /webhooks/rest/webhook with whatever a test's `respond(sender, message)` returns,
records what it received, and can be taken down and brought back on the same port, which is how
the bridge's "Rasa is down, then back" behaviour is tested.
"""
from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Responder = Callable[[str, str], list[dict[str, Any]]]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Many chats at once: socketserver's default listen backlog of 5 would refuse connections.
    request_queue_size = 256


class FakeRasa:
    def __init__(self, respond: Responder):
        self.respond = respond
        self.received: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    def start(self) -> FakeRasa:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                if self.path != "/webhooks/rest/webhook":
                    self.send_error(404)
                    return
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                sender, message = body["sender"], body["message"]
                with fake._lock:
                    fake.received.append((sender, message))
                answer = [{"recipient_id": sender, **m} for m in fake.respond(sender, message)]
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = _Server(("127.0.0.1", self._port), Handler)
        self._port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, name="fake-rasa", daemon=True).start()
        return self

    def stop(self) -> None:
        """Takes Rasa down: the port refuses connections until start() is called again."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def messages_from(self, sender: str) -> list[str]:
        with self._lock:
            return [message for s, message in self.received if s == sender]
