"""Rate limits shared by the chat relay, the action server and the dashboard's sign-in.

`reserve(key, limit, window)` counts one attempt and says whether it may go ahead, atomically, so
that many attempts at once can never pass more than `limit` per window: the count is taken before
the work is done, not after it failed. A fixed window per key starts at the key's first attempt
(so "5 per 15 minutes" means at most 5, then a pause until 15 minutes after the first); refused
attempts are not counted, so a client that keeps trying is not locked out for ever.

Keys are hashed with the server secret before they are kept, because they name clients (IP
addresses, usernames, chat ids) and Redis or a memory dump must not show them.

In Redis (`STATE_REDIS_URL`) every process shares the counts; otherwise each process keeps its
own in memory, bounded to `max_keys` (the least recently used are forgotten first). When Redis
cannot be reached, counting falls back to memory: limits stay per process rather than off.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger(__name__)

MINUTE = 60
HOUR = 60 * 60


@dataclass(frozen=True)
class Reservation:
    allowed: bool
    retry_after: int = 0  # whole seconds until an attempt can be allowed again (0 when allowed)
    remaining: int = 0  # attempts still allowed in this window after this one


class Limiter(Protocol):
    def reserve(self, key: str, limit: int, window: int) -> Reservation: ...

    def forget(self, key: str) -> None: ...


def pseudonym(secret: bytes, value: str) -> str:
    """A stable, unguessable stand-in for a client identifier (an IP address has only 2^32 values,
    so a plain hash of one could be reversed by trying them all)."""
    return hmac.new(secret, value.encode(), hashlib.sha256).hexdigest()[:32]


class MemoryLimiter:
    def __init__(self, max_keys: int = 50_000, clock=time.monotonic, secret: bytes | None = None):
        self._max_keys = max_keys
        self._clock = clock
        self._secret = secret or secrets.token_bytes(32)  # only this process reads these keys
        self._windows: OrderedDict[str, tuple[float, int]] = OrderedDict()  # key -> (start, count)
        self._lock = threading.Lock()  # no await inside: safe from threads and the event loop alike

    def reserve(self, key: str, limit: int, window: int) -> Reservation:
        hashed = pseudonym(self._secret, key)
        with self._lock:
            now = self._clock()
            start, count = self._windows.get(hashed, (now, 0))
            if now - start >= window:
                start, count = now, 0
            if count >= limit:
                self._windows.move_to_end(hashed)
                return Reservation(False, max(1, math.ceil(window - (now - start))))
            self._windows[hashed] = (start, count + 1)
            self._windows.move_to_end(hashed)
            while len(self._windows) > self._max_keys:
                self._windows.popitem(last=False)
            return Reservation(True, 0, limit - count - 1)

    def forget(self, key: str) -> None:
        with self._lock:
            self._windows.pop(pseudonym(self._secret, key), None)


# Atomic in Redis: read the count, refuse at the limit, else count and (first time) start the window.
_RESERVE = """
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
local limit = tonumber(ARGV[1])
if count >= limit then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl < 0 then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    ttl = tonumber(ARGV[2])
  end
  return {0, ttl, 0}
end
count = redis.call('INCR', KEYS[1])
if count == 1 or redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return {1, 0, limit - count}
"""


class RedisLimiter:
    """Counts in Redis, which expires each window's key itself: memory stays bounded there too."""

    def __init__(self, url: str, secret: bytes, prefix: str = "limits:", fallback: MemoryLimiter | None = None):
        import redis  # only the processes that use Redis need the client library

        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._errors = redis.RedisError
        self._script = self._redis.register_script(_RESERVE)
        self._secret = secret
        self._prefix = prefix
        self._fallback = fallback or MemoryLimiter(secret=secret)

    def _key(self, key: str) -> str:
        return self._prefix + pseudonym(self._secret, key)

    def reserve(self, key: str, limit: int, window: int) -> Reservation:
        try:
            allowed, ttl_ms, remaining = self._script(keys=[self._key(key)], args=[limit, window * 1000])
        except self._errors as error:
            log.warning("rate-limit store unavailable (%s); counting in memory", type(error).__name__)
            return self._fallback.reserve(key, limit, window)
        if allowed:
            return Reservation(True, 0, int(remaining))
        return Reservation(False, max(1, math.ceil(int(ttl_ms) / 1000)))

    def forget(self, key: str) -> None:
        self._fallback.forget(key)
        try:
            self._redis.delete(self._key(key))
        except self._errors as error:
            log.warning("rate-limit store unavailable (%s)", type(error).__name__)


def configured_limiter(settings=None) -> Limiter:
    """The limiter the settings ask for: Redis when STATE_REDIS_URL is set, else this process's memory."""
    from bot.settings import get_settings

    settings = settings or get_settings()
    if settings.state_redis_url:
        return RedisLimiter(settings.state_redis_url, settings.secret())
    return MemoryLimiter()
