"""The bridge's small pieces of state: repeated update ids, callback keys, per-chat order."""
from __future__ import annotations

import asyncio
import gc

import pytest

from bot.telegram.callback_payloads import CallbackPayloads
from bot.telegram.chat_order import ChatLocks
from bot.telegram.dedupe import RecentIds


def test_recent_ids_accepts_each_id_once():
    seen = RecentIds()
    assert [seen.first_time(i) for i in (1, 2, 1, 3, 2)] == [True, True, False, True, False]


def test_recent_ids_is_bounded_and_forgets_the_oldest():
    seen = RecentIds(capacity=3)
    for update_id in range(10):
        seen.first_time(update_id)
    assert len(seen) == 3
    assert seen.first_time(9) is False and seen.first_time(0) is True


def test_short_payloads_travel_as_they_are():
    payloads = CallbackPayloads()
    assert payloads.encode("/request_consultation") == "/request_consultation"
    assert payloads.decode("yes") == "yes"


@pytest.mark.parametrize("payload", ["é" * 40, "/inform" + "x" * 58, "~kdeliberately-looks-like-a-key"])
def test_long_or_ambiguous_payloads_get_a_short_key(payload):
    payloads = CallbackPayloads()
    key = payloads.encode(payload)
    assert key != payload and len(key.encode()) <= 64
    assert payloads.decode(key) == payload


def test_a_forgotten_key_decodes_to_none():
    payloads = CallbackPayloads(capacity=1)
    old = payloads.encode("x" * 80)
    payloads.encode("y" * 80)
    assert payloads.decode(old) is None


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
