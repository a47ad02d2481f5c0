"""The webhook listener: a small Starlette app served by uvicorn, in place of python-telegram-bot's.

python-telegram-bot 22's own listener (tornado) answered 500 to a body that was not UTF-8, not
JSON or nested too deeply, buffered bodies of up to tornado's 100 MB default, and logged the whole
content of an update it could not read at CRITICAL (patients' messages in the log). This one
checks the secret first, then the content type and size, and answers bad input with a 4xx and a
short description; it logs update ids only. Unlike python-telegram-bot's listener, which queues an
update and answers 200 at once, it answers only when the bridge has handled the update: a replica
killed mid-update never said it had it, so Telegram delivers it again (to another replica).

It also answers the load balancer's health checks, without the secret: GET /livez (the process
is up) and GET /healthz (it can do its work: 200 when every check the bridge gives passes, else 503
naming the ones that failed). The webhook path may be neither (bot/telegram/config.py checks).
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Awaitable, Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram import Bot, Update

from bot import health

log = logging.getLogger(__name__)

# Telegram's updates are a few kilobytes (a message is at most 4096 characters).
MAX_UPDATE_BYTES = 1024 * 1024
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
LIVENESS_PATH = "/livez"
READINESS_PATH = "/healthz"
# What /healthz runs: each check's name (never a URL or a secret) and "ok" or "unavailable".
HealthChecks = Callable[[], Awaitable[dict[str, str]]]
# Handles one update to the end and says what to answer Telegram: 200 once it is handled (or was
# before), anything else and Telegram delivers it again later (bot/telegram/bridge.py).
UpdateHandler = Callable[[Update], Awaitable[int]]

# Every answer of the listener to a request it will not take (read by operators, not patients).
WRONG_SECRET = "Wrong or missing secret token."
NOT_JSON = "Updates are sent as application/json."
TOO_LARGE = f"An update is at most {MAX_UPDATE_BYTES} bytes."
UNREADABLE = "The body is not a JSON object in UTF-8."
NOT_AN_UPDATE = "The body is not a Telegram update."


def _refuse(status: int, description: str) -> JSONResponse:
    return JSONResponse({"ok": False, "description": description}, status_code=status)


async def _read_capped(request: Request) -> bytes | None:
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_UPDATE_BYTES:
            return None
    return bytes(body)


async def _no_checks() -> dict[str, str]:
    return {}


def webhook_app(
    path: str, secret: str, bot: Bot, handle: UpdateHandler, health_checks: HealthChecks = _no_checks
) -> Starlette:
    """Serves POST /<path> (with or without a trailing slash), GET /livez and GET /healthz; every
    other path is a 404."""

    async def alive(request: Request) -> Response:
        return JSONResponse(health.ALIVE)

    async def healthy(request: Request) -> Response:
        status, body = health.verdict(await health_checks())
        return JSONResponse(body, status_code=status)

    async def receive_update(request: Request) -> Response:
        # The secret first, so nobody else gets as far as sending us a body to read.
        if not secrets.compare_digest(request.headers.get(SECRET_HEADER, "").encode(), secret.encode()):
            return _refuse(403, WRONG_SECRET)
        if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
            return _refuse(415, NOT_JSON)
        body = await _read_capped(request)
        if body is None:
            return _refuse(413, TOO_LARGE)
        try:
            data = json.loads(body.decode("utf-8"))
        except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
            return _refuse(400, UNREADABLE)
        if not isinstance(data, dict):
            return _refuse(400, UNREADABLE)
        try:
            update = Update.de_json(data, bot)
        except Exception:  # noqa: BLE001  (any malformed field; the content is never logged)
            log.warning("webhook body is not an update (update id %r)", data.get("update_id"))
            return _refuse(400, NOT_AN_UPDATE)
        # Answered only once handled: a replica that dies mid-update never told Telegram it had it.
        return Response(status_code=await handle(update))

    route = "/" + path.strip("/")
    return Starlette(
        routes=[
            Route(LIVENESS_PATH, alive, methods=["GET"]),
            Route(READINESS_PATH, healthy, methods=["GET"]),
            Route(route, receive_update, methods=["POST"]),
            Route(route.rstrip("/") + "/", receive_update, methods=["POST"]),
        ]
    )
