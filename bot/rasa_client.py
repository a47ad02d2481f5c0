"""Talks to Rasa's REST channel for the Telegram bridge and the website widget."""

from __future__ import annotations

from typing import Any

import httpx

from bot.channels import conversation_ref
from bot.log_privacy import current_request_id
from bot.settings import get_settings
from bot.shared_secrets import CHANNEL_HEADER

# The load balancer in front of several Rasa replicas hashes on this header, so every message of
# one conversation reaches the same replica while it is up (docs/deploy.md).
AFFINITY_HEADER = "X-Conversation-Ref"
REQUEST_ID_HEADER = "X-Request-Id"
READY_TIMEOUT_SECONDS = 2.0  # a health check must answer well within a load balancer's interval


class RasaUnavailable(RuntimeError):
    """Rasa (or the action server behind it) did not answer; the patient should try again soon."""


class RasaClient:
    def __init__(
        self,
        base_url: str,
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
        secret: str | None = None,
    ):
        """`secret`: the channel secret Rasa asks of our bridges (bot/shared_secrets.py); by default
        RASA_CHANNEL_SECRET from this process's environment."""
        self._url = base_url.rstrip("/") + "/webhooks/rest/webhook"
        self._ready_url = base_url.rstrip("/") + "/webhooks/rest/healthz"
        secret = get_settings().rasa_channel_secret if secret is None else secret
        self._secret = secret
        self._client = httpx.AsyncClient(
            timeout=timeout, transport=transport, headers={CHANNEL_HEADER: secret} if secret else None
        )

    async def send(
        self, sender_id: str, text: str, metadata: dict[str, Any] | None = None, message_id: str | None = None
    ) -> list[dict[str, Any]]:
        """Sends one patient message and returns the bot's messages (text, buttons, ...). `metadata`
        reaches the actions as `tracker.latest_message["metadata"]` (the relay's client pseudonym).

        `message_id` names the message for good (the widget's id, the Telegram update): Rasa runs
        the dialogue once per id, and a resend of it, to any replica, gets the answer it gave then
        (bot/rasa_channel.py). Send it whenever the message may be sent again."""
        reference = conversation_ref(sender_id, self._secret or "")
        request_id = current_request_id()
        # The action server names the conversation and the request in its logs from these.
        metadata = {**(metadata or {}), "conversation_ref": reference, "request_id": request_id}
        body: dict[str, Any] = {"sender": sender_id, "message": text, "metadata": metadata}
        if message_id:
            body["message_id"] = message_id
        headers = {AFFINITY_HEADER: reference}
        if request_id:
            headers[REQUEST_ID_HEADER] = request_id
        try:
            response = await self._client.post(self._url, json=body, headers=headers)
        except httpx.HTTPError as error:
            raise RasaUnavailable(f"Rasa did not answer: {type(error).__name__}") from error
        if response.status_code == 403:
            raise RasaUnavailable("Rasa refused the channel secret: RASA_CHANNEL_SECRET differs from Rasa's")
        if response.status_code != 200:
            raise RasaUnavailable(f"Rasa answered HTTP {response.status_code}")
        messages = response.json()
        if not isinstance(messages, list):
            raise RasaUnavailable("Rasa answered something other than a list of messages")
        return messages

    async def ready(self, timeout: float = READY_TIMEOUT_SECONDS) -> bool:
        """Whether Rasa answers its readiness check (our REST channel's /webhooks/rest/healthz) with
        200; any other answer, or none in `timeout` seconds, is not ready."""
        try:
            response = await self._client.get(self._ready_url, timeout=timeout)
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    async def aclose(self) -> None:
        await self._client.aclose()
