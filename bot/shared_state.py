"""State that several replicas of one part must share: "seen this id before?", small values kept for
a while, and one lock per conversation.

In Redis (`STATE_REDIS_URL`) every replica shares it, so a second relay or Telegram bridge sees
what the first did and a restart loses nothing; otherwise each process keeps its own in memory
(the local default, bounded, least recently used forgotten first).

Keys are HMACs of what they name (chat ids, session ids, update ids) with the application secret,
which every replica is given (APP_SECRET_KEY): Redis never holds an identifier in clear. Values are
ours to choose, and the callers never store a patient's words in them.

When Redis cannot be reached the state falls back to this process's memory with a warning: a
replica that cannot share keeps working for its own traffic rather than answering no one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
import weakref
from collections import OrderedDict
from collections.abc import AsyncIterator
from typing import Protocol

from bot.limits import pseudonym

log = logging.getLogger(__name__)


class StateUnavailable(RuntimeError):
    """A lock could not be taken in time (another replica holds it for too long)."""


class SharedState(Protocol):
    async def claim(self, key: str, ttl: float) -> bool:
        """True for the first caller that claims `key` within `ttl` seconds, False for any other."""

    async def put(self, key: str, value: str, ttl: float) -> None: ...

    async def get(self, key: str) -> str | None: ...

    async def delete(self, key: str) -> None: ...

    def lock(self, key: str, hold_at_most: float, wait_at_most: float) -> contextlib.AbstractAsyncContextManager:
        """Held by one caller at a time across every replica, taken by one process's callers in the
        order they asked; expires after `hold_at_most` seconds in case its holder died, and raises
        StateUnavailable after waiting `wait_at_most`."""

    async def ping(self) -> bool: ...


class MemoryState:
    def __init__(self, max_keys: int = 100_000, clock=time.monotonic):
        self._values: OrderedDict[str, tuple[float, str]] = OrderedDict()  # key -> (expires, value)
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self._max_keys = max_keys
        self._clock = clock

    def _live(self, key: str) -> str | None:
        found = self._values.get(key)
        if found is None:
            return None
        if found[0] <= self._clock():
            del self._values[key]
            return None
        self._values.move_to_end(key)
        return found[1]

    def _set(self, key: str, value: str, ttl: float) -> None:
        self._values[key] = (self._clock() + ttl, value)
        self._values.move_to_end(key)
        while len(self._values) > self._max_keys:
            self._values.popitem(last=False)

    async def claim(self, key: str, ttl: float) -> bool:
        if self._live(key) is not None:
            return False
        self._set(key, "1", ttl)
        return True

    async def put(self, key: str, value: str, ttl: float) -> None:
        self._set(key, value, ttl)

    async def get(self, key: str) -> str | None:
        return self._live(key)

    async def delete(self, key: str) -> None:
        self._values.pop(key, None)

    @contextlib.asynccontextmanager
    async def lock(self, key: str, hold_at_most: float, wait_at_most: float) -> AsyncIterator[None]:
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        try:
            await asyncio.wait_for(lock.acquire(), wait_at_most)
        except TimeoutError:
            raise StateUnavailable(f"waited {wait_at_most:.0f}s for a lock") from None
        try:
            yield
        finally:
            lock.release()

    async def ping(self) -> bool:
        return True


# Releases the lock only if it is still ours (it may have expired and been taken by another).
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class RedisState:
    """The same in Redis, which expires every key itself."""

    POLL_SECONDS = 0.02  # how often a waiting replica looks at a lock again

    def __init__(self, url: str, secret: bytes, prefix: str = "state:", fallback: MemoryState | None = None):
        import redis.asyncio as redis  # only the processes that use Redis need the client library

        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._errors = (redis.RedisError, OSError)
        self._release = self._redis.register_script(_RELEASE)
        self._secret = secret
        self._prefix = prefix
        self._fallback = fallback or MemoryState()

    def _key(self, key: str) -> str:
        return self._prefix + pseudonym(self._secret, key)

    def _unavailable(self, error: BaseException) -> None:
        log.warning("shared state unavailable (%s); using this process's memory", type(error).__name__)

    async def claim(self, key: str, ttl: float) -> bool:
        try:
            return bool(await self._redis.set(self._key(key), "1", nx=True, px=int(ttl * 1000)))
        except self._errors as error:
            self._unavailable(error)
            return await self._fallback.claim(key, ttl)

    async def put(self, key: str, value: str, ttl: float) -> None:
        try:
            await self._redis.set(self._key(key), value, px=int(ttl * 1000))
        except self._errors as error:
            self._unavailable(error)
            await self._fallback.put(key, value, ttl)

    async def get(self, key: str) -> str | None:
        try:
            value = await self._redis.get(self._key(key))
        except self._errors as error:
            self._unavailable(error)
            return await self._fallback.get(key)
        return value.decode() if value is not None else await self._fallback.get(key)

    async def delete(self, key: str) -> None:
        await self._fallback.delete(key)
        try:
            await self._redis.delete(self._key(key))
        except self._errors as error:
            self._unavailable(error)

    @contextlib.asynccontextmanager
    async def lock(self, key: str, hold_at_most: float, wait_at_most: float) -> AsyncIterator[None]:
        deadline = time.monotonic() + wait_at_most
        # This process's own callers queue in memory first (asyncio.Lock wakes them in order) and
        # only the first of them polls Redis: polling alone would let a later caller overtake.
        # The memory lock is also the whole lock when Redis cannot be reached.
        async with self._fallback.lock(key, hold_at_most, wait_at_most):
            name, token = self._key("lock:" + key), uuid.uuid4().hex
            shared = True
            try:
                while not await self._redis.set(name, token, nx=True, px=int(hold_at_most * 1000)):
                    if time.monotonic() > deadline:
                        raise StateUnavailable(f"waited {wait_at_most:.0f}s for a lock")
                    await asyncio.sleep(self.POLL_SECONDS)
            except self._errors as error:
                self._unavailable(error)
                shared = False
            try:
                yield
            finally:
                if shared:
                    with contextlib.suppress(*self._errors):
                        await self._release(keys=[name], args=[token])

    async def ping(self) -> bool:
        try:
            return bool(await self._redis.ping())
        except self._errors:
            return False

    async def aclose(self) -> None:
        await self._redis.aclose()


def configured_state(settings=None) -> SharedState:
    """Redis when STATE_REDIS_URL is set, else this process's memory."""
    from bot.settings import get_settings

    settings = settings or get_settings()
    if settings.state_redis_url:
        return RedisState(settings.state_redis_url, settings.secret())
    return MemoryState()
