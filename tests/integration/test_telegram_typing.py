""" "typing…" is shown at once and repeated while the assistant works (real Bot, stand-in API)."""

from __future__ import annotations

import asyncio

import pytest
from telegram import Bot

from bot.telegram.typing_indicator import keep_typing
from tests.fakes.telegram_api import TelegramApiStandIn

pytestmark = pytest.mark.timeout(60)


def test_typing_is_repeated_until_the_work_is_done():
    with TelegramApiStandIn() as api:

        async def slow_answer() -> None:
            async with Bot(api.token, base_url=api.base_url) as bot:
                async with keep_typing(bot, 42, every=0.2):
                    assert len(api.calls_to("sendChatAction", 42)) == 1, "the first one is sent before waiting"
                    await asyncio.sleep(0.7)
                after_work = len(api.calls_to("sendChatAction", 42))
                await asyncio.sleep(0.5)
                assert len(api.calls_to("sendChatAction", 42)) == after_work, "typing stops with the work"

        asyncio.run(slow_answer())
        actions = api.calls_to("sendChatAction", 42)
    assert len(actions) >= 3 and {a.params["action"] for a in actions} == {"typing"}


def test_a_failing_typing_action_does_not_stop_the_answer():
    with TelegramApiStandIn() as api:
        api.fail_next("sendChatAction", 400, "Bad Request: chat not found")

        async def answer() -> str:
            async with Bot(api.token, base_url=api.base_url) as bot:
                async with keep_typing(bot, 42):
                    return "answered"

        assert asyncio.run(answer()) == "answered"
