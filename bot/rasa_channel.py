"""Rasa's REST channel, answering only our own bridges. Runs inside Rasa's process
(credentials.yml names it; Rasa imports it from the project root, like the tracker store).

The paths stay Rasa's (`/webhooks/rest/webhook`, `/webhooks/rest/`), and so does the message:
`sender`, `message`, `metadata`. What changes:
- every message must carry the channel secret (bot/shared_secrets.py) in the `X-Channel-Secret`
  header, or it gets a bare 403 before Rasa reads it;
- a `message_id` in the body is the message's id for good (bot/exactly_once.py: a resend of it
  gets the first answer, and the dialogue runs once);
- the `X-Conversation-Ref` and `X-Request-Id` headers name the conversation and the request in
  every log line of this turn (bot/log_privacy.py);
- `GET /webhooks/rest/healthz` says whether this replica can serve: the model is loaded and the
  tracker store and lock store answer (the load balancer and the manifests ask it; no secret).
No streaming: our bridges never ask for it.
"""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request

from bot.log_privacy import about_message
from bot.shared_secrets import CHANNEL_HEADER, matches

log = logging.getLogger(__name__)

OPEN_PATHS = ("/webhooks/rest/", "/webhooks/rest/healthz")
MAX_ID_CHARS = 128


class SecretRestInput(RestInput):
    def __init__(self, secret: str) -> None:
        self._secret = secret

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "SecretRestInput":
        secret = str((credentials or {}).get("secret") or "").strip()
        if not secret:  # refuse to start rather than run a channel anyone may use
            raise RasaException("credentials.yml: the REST channel's secret is empty; set RASA_CHANNEL_SECRET")
        return cls(secret)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        channel = Blueprint("secret_rest_webhook", __name__)

        @channel.middleware("request")
        async def require_secret(request: Request) -> Optional[response.HTTPResponse]:
            if request.path in OPEN_PATHS or matches(request.headers.get(CHANNEL_HEADER), self._secret):
                return None
            log.warning("REST channel: refused a request without the channel secret")
            return response.json({"error": "forbidden"}, status=403)

        @channel.route("/", methods=["GET"])
        async def alive(request: Request) -> response.HTTPResponse:
            return response.json({"status": "ok"})

        @channel.route("/healthz", methods=["GET"])
        async def ready(request: Request) -> response.HTTPResponse:
            checks = readiness(getattr(request.app.ctx, "agent", None))
            ok = all(value == "ok" for value in checks.values())
            return response.json({"status": "ok" if ok else "unavailable", "checks": checks}, status=200 if ok else 503)

        @channel.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> response.HTTPResponse:
            body = request.json if isinstance(request.json, dict) else {}
            sender_id, text = body.get("sender"), body.get("message")
            if not isinstance(sender_id, str) or not sender_id or not isinstance(text, str):
                return response.json({"error": "a message needs a sender and a text"}, status=400)
            message_id = body.get("message_id")
            message_id = message_id[:MAX_ID_CHARS] if isinstance(message_id, str) and message_id else None
            metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else None
            collector = CollectingOutputChannel()
            with about_message(request.headers.get("x-conversation-ref", ""), request.headers.get("x-request-id")):
                await on_new_message(
                    UserMessage(
                        text,
                        collector,
                        sender_id,
                        input_channel=self._extract_input_channel(request),
                        metadata=metadata,
                        message_id=message_id,
                    )
                )
            return response.json(collector.messages)

        return channel


def readiness(agent: Any) -> Dict[str, str]:
    """ "ok" or "unavailable" for the model and each store this replica needs."""
    checks = {"model": "ok" if agent is not None and agent.is_ready() else "unavailable"}
    if agent is None:
        return checks
    store = getattr(agent.tracker_store, "_tracker_store", agent.tracker_store)
    checks["tracker_store"] = _answers(getattr(store, "ping", None))
    redis = getattr(agent.lock_store, "red", None)  # RedisLockStore; the in-memory one needs nothing
    if redis is not None:
        checks["lock_store"] = _answers(redis.ping)
    return checks


def _answers(ping: Optional[Callable[[], Any]]) -> str:
    if ping is None:
        return "ok"
    try:
        ping()
    except Exception as error:  # noqa: BLE001  (any failure means: do not send this replica messages)
        log.warning("readiness: a store did not answer (%s)", type(error).__name__)
        return "unavailable"
    return "ok"
