"""How a virtual patient's message reaches a bot: Rasa's REST channel directly (both bots), the
widget relay (`/api/session`, then `/api/chat` with a message id, as the widget sends it), or the
Telegram bridge through the Bot API stand-in (an update in, the bot's sendMessage calls out)."""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid

import httpx

from bench.load import Answer, Channel


class ChannelError(RuntimeError):
    """The bot answered with an error status, or not at all."""


def rest_channel(client: httpx.AsyncClient, url: str, headers: dict[str, str] | None = None) -> Channel:
    async def send(sender: str, text: str) -> list[str]:
        response = await client.post(url, json={"sender": sender, "message": text}, headers=headers or {})
        if response.status_code != 200:
            raise ChannelError(f"REST channel answered {response.status_code}")
        return Answer([message.get("text", "") for message in response.json() if isinstance(message, dict)])

    return send


def relay_channel(client: httpx.AsyncClient, base_url: str) -> tuple[Channel, dict[str, int]]:
    """The channel, and how many answers each message id got (exactly one, or it was lost or doubled)."""
    sessions: dict[str, dict] = {}
    answers: dict[str, int] = {}

    async def send(sender: str, text: str) -> list[str]:
        if sender not in sessions:
            issued = await client.post(f"{base_url}/api/session")
            if issued.status_code != 200:
                raise ChannelError(f"relay refused a session: {issued.status_code}")
            sessions[sender] = issued.json()
        message_id = uuid.uuid4().hex
        body = {**sessions[sender], "message_id": message_id, "text": text}
        response = await client.post(f"{base_url}/api/chat", json=body)
        if response.status_code != 200:
            raise ChannelError(f"relay answered {response.status_code}: {response.text[:100]}")
        answers[message_id] = answers.get(message_id, 0) + 1
        payload = response.json()
        if payload.get("conversation_ended"):
            sessions.pop(sender, None)  # as the widget does: the next conversation gets a new session
        return Answer([message.get("text", "") for message in payload.get("messages", [])])

    return send, answers


def telegram_stand_in():
    """The Bot API stand-in of the tests, counting each chat's messages as they are sent so a
    waiting virtual patient looks at its own chat only (the stand-in's own lookups sort them all)."""
    from tests.fakes.telegram_api import TelegramApiStandIn

    class CountingStandIn(TelegramApiStandIn):
        def __init__(self) -> None:
            super().__init__()
            self.texts_by_chat: dict[int, list[tuple[float, str]]] = {}

        def _api_sendMessage(self, params):
            message = super()._api_sendMessage(params)
            self.texts_by_chat.setdefault(int(params["chat_id"]), []).append((time.perf_counter(), message["text"]))
            return message

    return CountingStandIn()


def telegram_channel(api, quiet_seconds: float = 0.3, timeout: float = 60.0) -> Channel:
    """`api`: a `telegram_stand_in()` with the bridge polling it. A message's answer is every
    sendMessage to that chat until none follows for `quiet_seconds`; its latency is measured to
    the first of them (what the patient sees)."""
    chat_ids: dict[str, int] = {}
    numbers = itertools.count(10_000)

    async def send(sender: str, text: str) -> Answer:
        chat_id = chat_ids.setdefault(sender, next(numbers))
        sent = api.texts_by_chat.setdefault(chat_id, [])
        before = len(sent)
        started = time.perf_counter()
        api.push(api.text_update(chat_id, text))
        deadline = time.monotonic() + timeout
        while len(sent) == before:
            if time.monotonic() > deadline:
                raise ChannelError("the bridge sent no answer")
            await asyncio.sleep(0.005)
        first_ms = (sent[before][0] - started) * 1000
        count = len(sent)
        while True:  # the rest of the answer, sent right after the first message
            await asyncio.sleep(quiet_seconds)
            if len(sent) == count:
                break
            count = len(sent)
        return Answer([text for _, text in sent[before:]], first_ms)

    return send
