"""The bridge's button data."""

from __future__ import annotations

import pytest
from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, User
from telegram.ext import Application

from bot.telegram.buttons import KEYBOARDS_KEPT, ButtonChoice, keep_button_data, pressed_choice
from tests.fakes.telegram_api import TOKEN


def _bot_keeping_buttons(keyboards: int = KEYBOARDS_KEPT):
    """The bot as the bridge builds it, with python-telegram-bot's callback data cache."""
    return keep_button_data(Application.builder().token(TOKEN), keyboards).build().bot


def _send(bot, choice: ButtonChoice) -> str:
    """The callback data Telegram gets for a one-button keyboard (what ExtBot does on sending)."""
    markup = bot.callback_data_cache.process_keyboard(
        InlineKeyboardMarkup([[InlineKeyboardButton(choice.title, callback_data=choice)]])
    )
    return markup.inline_keyboard[0][0].callback_data


def _press(bot, data: str) -> CallbackQuery:
    """A press on a button with that data, as ExtBot hands it to the handlers."""
    query = CallbackQuery("1", User(7, "Patient", False), "chat", data=data)
    bot.callback_data_cache.process_callback_query(query)
    return query


@pytest.mark.parametrize(
    "payload", ["yes", "é" * 40, "/inform" + "x" * 58, '/inform{"concern":"' + "scars " * 30 + '"}']
)
def test_any_payload_goes_out_within_64_bytes_and_comes_back_whole(payload):
    bot = _bot_keeping_buttons()
    data = _send(bot, ButtonChoice("Acne scars", payload))
    assert 1 <= len(data.encode()) <= 64
    assert pressed_choice(_press(bot, data)) == ButtonChoice("Acne scars", payload)


def test_a_forgotten_keyboard_is_no_choice():
    bot = _bot_keeping_buttons(keyboards=1)
    old = _send(bot, ButtonChoice("Yes", "yes"))
    _send(bot, ButtonChoice("No", "no"))
    assert pressed_choice(_press(bot, old)) is None
    assert pressed_choice(_press(bot, "yes")) is None, "data the cache never gave out"
