"""The shared rate limiter: counting, windows, bounded memory, hashed keys, and many attempts at
once never passing more than the limit, in memory and in Redis."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.app_secret import AppSecretError, app_secret
from bot.limits import MemoryLimiter, RedisLimiter, configured_limiter
from bot.settings import Settings

SECRET = b"s" * 32


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def redis_limiter(redis_url):
    import redis

    prefix = f"test-limits-{uuid.uuid4().hex[:8]}:"
    yield RedisLimiter(redis_url, SECRET, prefix=prefix)
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)


@pytest.fixture(params=["memory", "redis"])
def limiter(request):
    if request.param == "memory":
        return MemoryLimiter()
    return request.getfixturevalue("redis_limiter")


def test_a_window_allows_the_limit_then_says_how_long_to_wait(limiter):
    results = [limiter.reserve("chat:client:10.0.0.1", 3, 60) for _ in range(4)]
    assert [r.allowed for r in results] == [True, True, True, False]
    assert [r.remaining for r in results[:3]] == [2, 1, 0]
    assert 55 <= results[3].retry_after <= 60
    assert limiter.reserve("chat:client:10.0.0.2", 3, 60).allowed  # another key counts apart


def test_forget_starts_a_key_afresh(limiter):
    for _ in range(2):
        limiter.reserve("signin:account:sam", 2, 900)
    assert not limiter.reserve("signin:account:sam", 2, 900).allowed
    limiter.forget("signin:account:sam")
    assert limiter.reserve("signin:account:sam", 2, 900).allowed


def test_the_window_ends_and_refused_attempts_do_not_extend_it():
    clock = Clock()
    limiter = MemoryLimiter(clock=clock)
    assert limiter.reserve("k", 1, 60).allowed
    clock.now += 30
    refused = limiter.reserve("k", 1, 60)
    assert not refused.allowed and refused.retry_after == 30
    clock.now += 30
    assert limiter.reserve("k", 1, 60).allowed


def test_memory_is_bounded_forgetting_the_least_recently_used_keys():
    limiter = MemoryLimiter(max_keys=3)
    for key in ("a", "b", "c"):
        limiter.reserve(key, 1, 60)
    limiter.reserve("a", 1, 60)  # refused, but touched: "b" is now the oldest
    limiter.reserve("d", 1, 60)
    assert len(limiter._windows) == 3
    assert limiter.reserve("b", 1, 60).allowed  # forgotten, so counted afresh
    assert not limiter.reserve("a", 1, 60).allowed  # still remembered


def test_keys_are_kept_hashed_never_in_clear(redis_limiter, redis_url):
    import redis

    memory = MemoryLimiter()
    memory.reserve("chat:client:203.0.113.7", 5, 60)
    redis_limiter.reserve("chat:client:203.0.113.7", 5, 60)
    stored = list(memory._windows) + [
        k.decode() for k in redis.Redis.from_url(redis_url).scan_iter(f"{redis_limiter._prefix}*")
    ]
    assert len(stored) == 2
    assert not any("203.0.113" in key or "client" in key for key in stored)


def test_many_parallel_reservations_never_pass_more_than_the_limit(limiter):
    start = threading.Barrier(16, timeout=30)

    def attempt(number):
        if number < 16:  # the first wave starts together
            start.wait()
        return limiter.reserve("burst", 25, 60).allowed

    with ThreadPoolExecutor(max_workers=16) as pool:
        allowed = sum(pool.map(attempt, range(400)))
    assert allowed == 25


def test_redis_down_falls_back_to_counting_in_memory():
    limiter = RedisLimiter("redis://127.0.0.1:1/0", SECRET)  # nothing listens on port 1
    assert [limiter.reserve("k", 2, 60).allowed for _ in range(3)] == [True, True, False]


def test_settings_choose_redis_only_when_a_url_is_given(redis_url, tmp_path):
    assert isinstance(configured_limiter(Settings(state_redis_url="")), MemoryLimiter)
    assert isinstance(configured_limiter(Settings(state_redis_url=redis_url, app_secret_key="k" * 32)), RedisLimiter)


def test_the_app_secret_is_generated_once_private_and_kept(tmp_path):
    first = app_secret("", tmp_path)
    app_secret.cache_clear()
    assert app_secret("", tmp_path) == first and len(first) >= 32
    assert (tmp_path / "app-secret.key").stat().st_mode & 0o777 == 0o600
    assert app_secret("x" * 40, tmp_path) == b"x" * 40
    with pytest.raises(AppSecretError):
        app_secret("short", tmp_path)
