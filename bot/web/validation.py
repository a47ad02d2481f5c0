"""Checks one chat request from the widget and says kindly what is wrong with a bad one."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

MAX_TEXT_CHARS = 2000
# Message ids are made by the widget, session ids by the relay (random hex); anything else is
# not from our widget.
_SAFE_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
MAX_TOKEN_CHARS = 100


class InvalidChatRequest(ValueError):
    """The request cannot be relayed; `message` is safe to show the patient as it is."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class ChatRequest:
    session_id: str
    message_id: str
    text: str
    token: str  # the session token the relay issued with session_id (checked by the caller)


def parse_chat_request(payload: Any) -> ChatRequest:
    if not isinstance(payload, dict):
        raise InvalidChatRequest(400, "Sorry, that message could not be read. Please reload the page and try again.")
    session_id, message_id = payload.get("session_id"), payload.get("message_id")
    for value in (session_id, message_id):
        if not isinstance(value, str) or not _SAFE_ID.match(value):
            raise InvalidChatRequest(
                400, "Sorry, this chat session is not valid. Please clear this conversation and start again.")
    token = payload.get("token")
    token = token[:MAX_TOKEN_CHARS] if isinstance(token, str) else ""
    text = payload.get("text")
    if not isinstance(text, str) or not text.strip():
        raise InvalidChatRequest(422, "Please type a message first.")
    text = text.strip()
    if len(text) > MAX_TEXT_CHARS:
        raise InvalidChatRequest(
            422,
            f"That message is a little long for me. Could you shorten it to under {MAX_TEXT_CHARS} "
            "characters, or send it in parts?",
        )
    return ChatRequest(session_id, message_id, text, token)
