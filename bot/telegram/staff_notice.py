"""Tells the clinic's staff chat that a new consultation request arrived.

The notice carries the reference, the screening outcome, the channel, the conversation's language
(so the team answers in it) and a dashboard link, never health details or contact data: a Telegram group is not the place for special-category data, staff
read the request in the dashboard. Sending is best effort: it never raises, so storing a request
never fails because Telegram is unreachable.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from telegram import Bot
from telegram.request import HTTPXRequest

from bot.language import DEFAULT_LANGUAGE, LANGUAGE_LABELS
from bot.settings import Settings, get_settings

log = logging.getLogger(__name__)
SEND_TIMEOUT_SECONDS = 15.0


def staff_notice_text(
    reference: str, outcome: str, channel: str, dashboard_url: str, language: str = DEFAULT_LANGUAGE
) -> str:
    return (
        f"New consultation request {reference}\n"
        f"Outcome: {outcome.replace('_', ' ')}\n"
        f"Channel: {channel}\n"
        f"Language: {LANGUAGE_LABELS.get(language, language)}\n"
        f"Open the dashboard to read it: {dashboard_url}"
    )


async def notify_new_request(
    reference: str,
    outcome: str,
    channel: str,
    language: str = DEFAULT_LANGUAGE,
    *,
    environ: Mapping[str, str] | None = None,
) -> bool:
    """Sends the notice when TELEGRAM_BOT_TOKEN and TELEGRAM_STAFF_CHAT_ID are set.

    Returns True when Telegram accepted it, False when not configured or sending failed.
    """
    settings = get_settings() if environ is None else Settings.from_environ(environ)
    if not settings.telegram_bot_token or not settings.telegram_staff_chat_id:
        return False
    text = staff_notice_text(reference, outcome, channel, settings.dashboard_url, language)
    try:
        bot = Bot(
            settings.telegram_bot_token,
            base_url=settings.telegram_base_url,
            request=HTTPXRequest(connect_timeout=5.0, read_timeout=10.0),
        )
        async with bot:
            await asyncio.wait_for(
                bot.send_message(chat_id=settings.telegram_staff_chat_id, text=text), SEND_TIMEOUT_SECONDS
            )
    except Exception as error:  # noqa: BLE001 - best effort by design; the request is already stored
        log.warning("staff notice for request %s not sent: %s", reference, type(error).__name__)
        return False
    return True
