"""What an inline button carries back: a short key to its choice, kept in the shared state.

Telegram lets a button carry at most 64 bytes, and Rasa's payloads can be longer (an `/inform`
with entities). So a button's callback data is a random key ("b:" and 16 characters) and its
ButtonChoice (the title the patient saw and the payload for Rasa: the bot's own words, never the
patient's) is kept under that key in the shared state (bot/shared_state.py) for BUTTON_KEPT_SECONDS.
In Redis every replica finds it and a restart loses nothing; in memory only this process does,
until it restarts. A pressed keyboard's keys are deleted at once. A key that is gone (its keyboard
answered, expired, or forgotten by a restart without Redis) is no choice, and the bridge answers
that press kindly.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from typing import NamedTuple

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.shared_state import SharedState

# How long a keyboard can be answered, and remembered as answered (so a second press is refused).
BUTTON_KEPT_SECONDS = 7 * 24 * 3600
_KEY_PREFIX = "b:"


class ButtonChoice(NamedTuple):
    title: str
    payload: str


# Rows of buttons, as the patient sees them.
Keyboard = tuple[tuple[ButtonChoice, ...], ...]


def _new_key() -> str:
    return _KEY_PREFIX + secrets.token_urlsafe(12)


def _state_key(data: str) -> str:
    return f"telegram-button:{data}"


def _keys_of(markup: InlineKeyboardMarkup | None) -> list[str]:
    return [
        button.callback_data
        for row in (markup.inline_keyboard if markup is not None else ())
        for button in row
        if isinstance(button.callback_data, str) and button.callback_data.startswith(_KEY_PREFIX)
    ]


class ButtonStore:
    """The one place that decides where button data lives and for how long."""

    def __init__(self, state: SharedState, kept_seconds: float = BUTTON_KEPT_SECONDS):
        self._state = state
        self._kept_seconds = kept_seconds

    async def markup(self, keyboard: Keyboard) -> InlineKeyboardMarkup:
        """The inline keyboard to send: each button's choice is stored under its new key."""
        rows = [[(choice, _new_key()) for choice in row] for row in keyboard]
        await asyncio.gather(
            *(
                self._state.put(_state_key(key), json.dumps(choice._asdict()), self._kept_seconds)
                for row in rows
                for choice, key in row
            )
        )
        return InlineKeyboardMarkup(
            [[InlineKeyboardButton(choice.title, callback_data=key) for choice, key in row] for row in rows]
        )

    async def choice(self, data: object) -> ButtonChoice | None:
        """The choice a pressed button stands for; None when its key is gone or was never ours."""
        if not isinstance(data, str) or not data.startswith(_KEY_PREFIX):
            return None
        stored = await self._state.get(_state_key(data))
        if stored is None:
            return None
        try:
            fields = json.loads(stored)
            return ButtonChoice(str(fields["title"]), str(fields["payload"]))
        except (ValueError, TypeError, KeyError):
            return None

    async def forget(self, markup: InlineKeyboardMarkup | None) -> None:
        """A keyboard answers one question: once a button of it is pressed, its keys are not needed."""
        await asyncio.gather(*(self._state.delete(_state_key(key)) for key in _keys_of(markup)))
