"""Rasa's Redis lock store, made safe for several Rasa replicas. Runs inside Rasa's process
(bot/rasa_process.py installs it when Rasa starts).

Rasa 3.6's RedisLockStore keeps a conversation's queue of tickets as one JSON value that each
replica reads, changes and writes back: two replicas doing so at once lose one another's ticket
(RasaHQ/rasa#9213; the fix was reverted). The scale test saw it when a Rasa replica died and came
back: messages of the conversations that moved failed with "Could not acquire lock".

Here the lock is one Redis key taken with SET NX PX (atomic) and given up with a compare-and-delete
(only by its holder), so at most one replica handles a conversation at any moment. A holder that
dies releases it when the key expires (TICKET_LOCK_LIFETIME seconds, bot/stack.py). Within one
replica, a conversation's waiters queue first-come first-served on an asyncio lock, and only the
first of them polls Redis, so their order is kept; between replicas the load balancer's affinity
keeps a conversation on one replica except at a hand-over.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
import weakref
from typing import AsyncIterator, Text

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore

MUTEX_PREFIX = "conversation:"
POLL_SECONDS = 0.02
# Releases the lock only if it is still ours (it may have expired and been taken by another).
_RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"


def _local_queue(store: RedisLockStore, conversation_id: str) -> asyncio.Lock:
    """This replica's queue for the conversation (gone when nobody waits: a weak dictionary)."""
    queues = store.__dict__.setdefault("_waiting_here", weakref.WeakValueDictionary())
    queue = queues.get(conversation_id)
    if queue is None:
        queue = queues[conversation_id] = asyncio.Lock()
    return queue


@contextlib.asynccontextmanager
async def atomic_lock(
    self: RedisLockStore,
    conversation_id: Text,
    lock_lifetime: float = LOCK_LIFETIME,
    wait_time_in_seconds: float = 1,
) -> AsyncIterator[TicketLock]:
    """RedisLockStore.lock's contract (the caller gets a TicketLock it does not use), kept atomically."""
    key = f"{self.key_prefix}{MUTEX_PREFIX}{conversation_id}"
    token = uuid.uuid4().hex
    # Long enough for a dead holder's key to expire, then for this waiter's turn.
    deadline = time.monotonic() + 2 * lock_lifetime
    queue = _local_queue(self, conversation_id)
    try:
        await asyncio.wait_for(queue.acquire(), 2 * lock_lifetime)
    except asyncio.TimeoutError:
        raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.") from None
    try:
        while not self.red.set(key, token, nx=True, px=int(lock_lifetime * 1000)):
            if time.monotonic() > deadline:
                raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")
            await asyncio.sleep(POLL_SECONDS)
        try:
            yield TicketLock(conversation_id)
        finally:
            self.red.eval(_RELEASE, 1, key, token)
    finally:
        queue.release()


def install() -> None:
    RedisLockStore.lock = atomic_lock
