"""The bridge's small pieces of state: button data, per-chat order."""

from __future__ import annotations

import asyncio
import gc

import pytest
from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, User
from telegram.ext import Application

from bot.telegram.buttons import KEYBOARDS_KEPT, ButtonChoice, keep_button_data, pressed_choice
from bot.telegram.chat_order import ChatLocks
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


def test_one_chat_runs_in_order_and_other_chats_in_parallel():
    locks = ChatLocks()
    events: list[str] = []

    async def handle(chat: int, name: str, seconds: float) -> None:
        async with locks.for_chat(chat):
            events.append(f"start {name}")
            await asyncio.sleep(seconds)
            events.append(f"end {name}")

    async def scenario() -> None:
        await asyncio.gather(handle(1, "a1", 0.2), handle(1, "a2", 0.0), handle(2, "b1", 0.05))

    asyncio.run(scenario())
    assert events.index("end a1") < events.index("start a2")
    assert events.index("end b1") < events.index("end a1")


def test_idle_chats_leave_no_locks_behind():
    locks = ChatLocks()

    async def use(chat: int) -> None:
        async with locks.for_chat(chat):
            await asyncio.sleep(0)

    async def many_chats() -> None:
        await asyncio.gather(*(use(chat) for chat in range(100)))

    asyncio.run(many_chats())
    gc.collect()
    assert len(locks) == 0
