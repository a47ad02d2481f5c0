"""Shows "typing…" in a chat while the assistant works.

Telegram shows a chat action for about five seconds, so it is repeated until the answer is ready.
It is a courtesy: failing to send it never stops the answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from telegram import Bot
from telegram.constants import ChatAction
from telegram.error import TelegramError

log = logging.getLogger(__name__)
REPEAT_SECONDS = 4.0


async def _send_typing(bot: Bot, chat_id: int) -> None:
    try:
        await bot.send_chat_action(chat_id=chat_id, action=ChatAction.TYPING)
    except TelegramError as error:
        log.debug("typing action not shown: %s", type(error).__name__)


@contextlib.asynccontextmanager
async def keep_typing(bot: Bot, chat_id: int, every: float = REPEAT_SECONDS) -> AsyncIterator[None]:
    # The first action is awaited so the patient sees it before any answer arrives.
    await _send_typing(bot, chat_id)

    async def repeat() -> None:
        while True:
            await asyncio.sleep(every)
            await _send_typing(bot, chat_id)

    task = asyncio.create_task(repeat())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
