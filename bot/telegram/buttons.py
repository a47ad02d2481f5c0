"""What an inline button carries back: python-telegram-bot's arbitrary callback data.

Telegram lets a button carry at most 64 bytes, and Rasa's payloads can be longer (an `/inform`
with entities). With `arbitrary_callback_data` python-telegram-bot keeps each button's data (here a
ButtonChoice: the title the patient saw and the payload for Rasa) in its CallbackDataCache and
sends Telegram a 64-byte key instead. When the button is pressed, `update.callback_query.data` is
that ButtonChoice again, or an InvalidCallbackData when the cache no longer has the keyboard (one
of the oldest, or sent before the bridge restarted); the bridge answers that one kindly.
"""

from __future__ import annotations

from typing import NamedTuple

from telegram import CallbackQuery
from telegram.ext import ApplicationBuilder, CallbackContext

# Keyboards kept (least recently used forgotten first); a pressed one is dropped at once.
KEYBOARDS_KEPT = 10_000
# How long a keyboard is remembered as answered, so a second press of it is refused.
KEYBOARD_KEPT_SECONDS = 7 * 24 * 3600


class ButtonChoice(NamedTuple):
    title: str
    payload: str


def keep_button_data(builder: ApplicationBuilder, keyboards: int = KEYBOARDS_KEPT) -> ApplicationBuilder:
    """The one place that decides where button data lives: today this process's memory.

    To share it between replicas (or keep it across restarts), give the builder a persistence here
    as well: `.persistence(SomePersistence(store_data=PersistenceInput(callback_data=True, ...)))`.
    """
    return builder.arbitrary_callback_data(keyboards)


def pressed_choice(query: CallbackQuery) -> ButtonChoice | None:
    """The choice a pressed button stands for; None when its data is gone (InvalidCallbackData)."""
    return query.data if isinstance(query.data, ButtonChoice) else None


def forget_keyboard(context: CallbackContext, query: CallbackQuery) -> None:
    """A keyboard answers one question: once a button of it is pressed, its data is not needed."""
    context.drop_callback_data(query)
