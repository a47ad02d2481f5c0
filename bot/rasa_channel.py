"""Rasa's REST channel, answering only our own bridges. Runs inside Rasa's process
(credentials.yml names it; Rasa imports it from the project root, like the tracker store).

The path stays Rasa's (`/webhooks/rest/webhook`), and so does everything else about the channel:
the only change is that every request must carry the channel secret (bot/shared_secrets.py) in
the `X-Channel-Secret` header, or it gets a bare 403 before Rasa reads the message.
"""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request

from bot.shared_secrets import CHANNEL_HEADER, matches

log = logging.getLogger(__name__)


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
        channel = super().blueprint(on_new_message)

        @channel.middleware("request")
        async def require_secret(request: Request) -> Optional[response.HTTPResponse]:
            if matches(request.headers.get(CHANNEL_HEADER), self._secret):
                return None
            log.warning("REST channel: refused a request without the channel secret")
            return response.json({"error": "forbidden"}, status=403)

        return channel
