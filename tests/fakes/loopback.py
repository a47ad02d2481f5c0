"""Serving a test stand-in (fake Rasa, fake Telegram API) on 127.0.0.1 in a thread of its own."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self


class LoopbackServer(ThreadingHTTPServer):
    daemon_threads = True
    # Many chats at once: socketserver's default listen backlog of 5 would refuse connections.
    request_queue_size = 256


class Served:
    """start() / stop() / `with` for a stand-in whose `_handler()` gives its request handler.

    start() after stop() listens on the same port again, as a restarted service would."""

    _server: LoopbackServer | None = None
    _port = 0
    _thread_name = "stand-in"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        raise NotImplementedError

    def start(self) -> Self:
        self._server = LoopbackServer(("127.0.0.1", self._port), self._handler())
        self._port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, args=(0.05,), name=self._thread_name, daemon=True).start()
        return self

    def stop(self) -> None:
        """Takes it down: the port refuses connections until start() is called again."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
