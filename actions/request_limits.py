"""A cap on the consultation and callback requests stored per hour, per conversation and per client,
so a script cannot fill the dashboard with fake requests (each one also a staff notice).

The action server never sees the client's address: the website relay sends Rasa a pseudonym of it
as REST metadata (`{"client": ...}`), which arrives here on the patient's latest message. Telegram
and other channels send none; their sender id is per chat, so the per-conversation cap covers them.
Counted before storing, in the limiter every process shares (bot/limits.py).
"""

from __future__ import annotations

import asyncio
import logging

from rasa_sdk import Tracker

from actions.config import settings
from bot.limits import HOUR, Limiter, configured_limiter

log = logging.getLogger(__name__)
_limiter: Limiter | None = None


def limiter() -> Limiter:
    global _limiter
    if _limiter is None:
        _limiter = configured_limiter(settings())
    return _limiter


def client_of(tracker: Tracker) -> str | None:
    metadata = (tracker.latest_message or {}).get("metadata")
    client = metadata.get("client") if isinstance(metadata, dict) else None
    return client if isinstance(client, str) and 0 < len(client) <= 64 else None


async def may_store_request(tracker: Tracker) -> bool:
    """Counts one stored request for this conversation and client; False when either is at its cap."""
    config = settings()
    checks = [("conversation", tracker.sender_id, config.requests_per_conversation_per_hour)]
    client = client_of(tracker)
    if client:
        checks.append(("client", client, config.requests_per_client_per_hour))
    for kind, value, limit in checks:
        reservation = await asyncio.to_thread(limiter().reserve, f"requests:{kind}:{value}", limit, HOUR)
        if not reservation.allowed:
            log.warning("request not stored: hourly cap per %s reached", kind)
            return False
    return True
