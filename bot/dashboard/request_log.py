"""One log line per request: method, path, status, time."""

from __future__ import annotations

import logging
import time

log = logging.getLogger("bot.dashboard")


class RequestLogMiddleware:
    """Never logs the query string, which can hold a searched name or phone (uvicorn's own
    access log is switched off for that reason)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 500}

        async def send_status(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            log.info(
                "%s %s %s %.0fms",
                scope["method"],
                scope["path"],
                status["code"],
                (time.perf_counter() - started) * 1000,
            )
