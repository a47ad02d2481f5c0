"""Checks one chat request from the widget and says kindly what is wrong with a bad one, in the
page's language when the request gives it (`lang`: the script tag's data-lang, else the page's
<html lang>, which the widget sends with every message)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.language import DEFAULT_LANGUAGE, language_of_hint
from bot.responses import own_text

# The longest message a patient may send. The one definition: the widget gets it from the relay
# (bot/web/widget_script.py) and refuses a longer message before sending it, saying why.
MAX_TEXT_CHARS = 2000
# Message ids are made by the widget, session ids by the relay (random hex); anything else is not
# from our widget. Checked with fullmatch: "$" would also accept a trailing newline, which then
# went into Rasa's sender id.
_SAFE_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
MAX_TOKEN_CHARS = 100
# Control characters (but tab and newline) and lone surrogates carry nothing a patient meant; a
# lone surrogate (JSON allows "\ud800") cannot be encoded to send on to Rasa (was a 500), and
# PostgreSQL stores refuse NUL.
_UNSENDABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")

# What the widget shows for a request it cannot relay: all the relay's answers to bad input
# (domain.yml responses).
UNREADABLE = "utter_relay_unreadable"
BODY_TOO_LARGE = "utter_relay_body_too_large"
BAD_SESSION = "utter_relay_bad_session"
EMPTY = "utter_relay_empty"
TOO_LONG = "utter_relay_too_long"


class InvalidChatRequest(ValueError):
    """The request cannot be relayed; `message` is safe to show the patient as it is: the words of
    `response` (one of the above) in `language`."""

    def __init__(self, status: int, response: str, language: str = DEFAULT_LANGUAGE, **values: Any):
        self.status = status
        self.response = response
        self.message = own_text(response, language=language, **values)
        super().__init__(self.message)


@dataclass(frozen=True)
class ChatRequest:
    session_id: str
    message_id: str
    text: str
    token: str  # the session token the relay issued with session_id (checked by the caller)
    # The page's language as one of ours ("es-ES" -> "es", any other tag -> "en"); None when the
    # request gave none, or something that is not a language tag (ignored, never refused).
    page_language: str | None = None


def page_language_of(payload: Any) -> str | None:
    """The language of the page a request comes from (its `lang`), or None; never refuses."""
    return language_of_hint(payload.get("lang")) if isinstance(payload, dict) else None


def parse_chat_request(payload: Any) -> ChatRequest:
    if not isinstance(payload, dict):
        raise InvalidChatRequest(400, UNREADABLE)
    page_language = page_language_of(payload)
    refusal_language = page_language or DEFAULT_LANGUAGE
    session_id, message_id = payload.get("session_id"), payload.get("message_id")
    for value in (session_id, message_id):
        if not isinstance(value, str) or not _SAFE_ID.fullmatch(value):
            raise InvalidChatRequest(400, BAD_SESSION, refusal_language)
    token = payload.get("token")
    token = token[:MAX_TOKEN_CHARS] if isinstance(token, str) else ""
    text = payload.get("text")
    text = _UNSENDABLE.sub("", text).strip() if isinstance(text, str) else ""
    if not text:
        raise InvalidChatRequest(422, EMPTY, refusal_language)
    if len(text) > MAX_TEXT_CHARS:
        raise InvalidChatRequest(422, TOO_LONG, refusal_language, max_chars=MAX_TEXT_CHARS)
    return ChatRequest(session_id, message_id, text, token, page_language)
