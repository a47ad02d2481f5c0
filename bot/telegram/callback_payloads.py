"""Maps Rasa button payloads to Telegram callback data, which may be at most 64 bytes.

Short payloads (`yes`, `/request_consultation`) travel as they are. A longer one stays here and
the button carries a short key instead. Keys are kept for the most recent buttons only; a press on
a very old button whose key was forgotten is answered kindly by the bridge.
"""
from __future__ import annotations

import itertools
from collections import OrderedDict

CALLBACK_DATA_LIMIT = 64  # bytes, Telegram's limit for InlineKeyboardButton.callback_data
_KEY_PREFIX = "~k"


def _fits(data: str) -> bool:
    return len(data.encode("utf-8")) <= CALLBACK_DATA_LIMIT


class CallbackPayloads:
    def __init__(self, capacity: int = 10_000):
        self._capacity = capacity
        self._stored: OrderedDict[str, str] = OrderedDict()
        self._counter = itertools.count(1)

    def encode(self, payload: str) -> str:
        """Callback data for a button that should send `payload`; always within 64 bytes."""
        if _fits(payload) and not payload.startswith(_KEY_PREFIX):
            return payload
        key = f"{_KEY_PREFIX}{next(self._counter):x}"
        self._stored[key] = payload
        if len(self._stored) > self._capacity:
            self._stored.popitem(last=False)
        return key

    def decode(self, data: str) -> str | None:
        """The payload a pressed button stands for, or None if its key has been forgotten."""
        if data.startswith(_KEY_PREFIX):
            return self._stored.get(data)
        return data
