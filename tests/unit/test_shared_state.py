"""bot/shared_state.py: the same behaviour in memory and in a real Redis, which two "replicas"
(two RedisState objects on one database) share; and memory when Redis is down."""

from __future__ import annotations

import asyncio

import pytest

from bot.shared_state import RedisState, StateUnavailable

SECRET = b"s" * 32


async def _flush(url: str) -> None:
    import redis.asyncio as redis

    client = redis.Redis.from_url(url)
    await client.flushdb()
    await client.aclose()


def test_only_the_first_claim_of_an_id_wins_across_replicas(two_replicas_state):
    first, second = two_replicas_state

    async def scenario():
        claims = await asyncio.gather(*(state.claim("update:42", 60) for state in (first, second) * 10))
        return claims, await second.claim("update:43", 60)

    claims, other = asyncio.run(scenario())
    assert claims.count(True) == 1 and other is True


def test_a_value_put_by_one_replica_is_read_by_the_other_and_expires(two_replicas_state):
    first, second = two_replicas_state

    async def scenario():
        await first.put("button:abc", '{"payload": "/affirm"}', 0.3)
        seen = await second.get("button:abc")
        await asyncio.sleep(0.5)
        return seen, await second.get("button:abc")

    assert asyncio.run(scenario()) == ('{"payload": "/affirm"}', None)


def test_a_lock_is_held_by_one_replica_at_a_time_in_order_of_work(two_replicas_state):
    first, second = two_replicas_state
    inside, overlaps = [0], [0]

    async def hold(state) -> None:
        async with state.lock("chat:7", hold_at_most=5, wait_at_most=5):
            inside[0] += 1
            overlaps[0] = max(overlaps[0], inside[0])
            await asyncio.sleep(0.02)
            inside[0] -= 1

    async def scenario():
        await asyncio.gather(*(hold(state) for state in (first, second) * 5))

    asyncio.run(scenario())
    assert overlaps[0] == 1


def test_one_replicas_callers_get_the_lock_in_the_order_they_asked(two_replicas_state):
    first, _ = two_replicas_state
    order: list[int] = []

    async def hold(number: int) -> None:
        async with first.lock("chat:8", hold_at_most=5, wait_at_most=5):
            order.append(number)
            await asyncio.sleep(0.05 if number == 0 else 0)

    async def scenario():
        tasks = []
        for number in range(6):
            tasks.append(asyncio.create_task(hold(number)))
            await asyncio.sleep(0.005)  # asked one after another, while the first still holds it
        await asyncio.gather(*tasks)

    asyncio.run(scenario())
    assert order == list(range(6))


def test_locks_of_different_keys_do_not_wait_for_each_other(two_replicas_state):
    first, second = two_replicas_state
    events: list[str] = []

    async def hold(state, key: str, seconds: float) -> None:
        async with state.lock(key, hold_at_most=5, wait_at_most=5):
            events.append(f"start {key}")
            await asyncio.sleep(seconds)
            events.append(f"end {key}")

    async def scenario():
        await asyncio.gather(hold(first, "chat:slow", 0.3), hold(second, "chat:quick", 0.0))

    asyncio.run(scenario())
    assert events.index("end chat:quick") < events.index("end chat:slow")


def test_a_lock_its_holder_never_released_expires_and_a_waiter_gives_up_kindly(redis_url):
    state, other_replica = RedisState(redis_url, SECRET), RedisState(redis_url, SECRET)

    async def scenario():
        holder = other_replica.lock("chat:9", hold_at_most=0.5, wait_at_most=1)
        await holder.__aenter__()  # a replica that died holding it: never exits
        async with state.lock("chat:9", hold_at_most=5, wait_at_most=2):
            taken_after_expiry = True
        await state.put("x", "1", 1)
        blocked = other_replica.lock("chat:10", hold_at_most=5, wait_at_most=5)
        await blocked.__aenter__()
        with pytest.raises(StateUnavailable):
            async with state.lock("chat:10", hold_at_most=5, wait_at_most=0.2):
                pass
        return taken_after_expiry

    assert asyncio.run(scenario()) is True
    asyncio.run(_flush(redis_url))


def test_keys_in_redis_never_show_the_identifier(redis_url):
    import redis

    state = RedisState(redis_url, SECRET)
    asyncio.run(state.put("telegram-chat:123456789", "v", 60))
    keys = redis.Redis.from_url(redis_url).keys("*")
    assert keys and not any(b"123456789" in key for key in keys)
    asyncio.run(_flush(redis_url))


def test_redis_down_falls_back_to_memory():
    state = RedisState("redis://127.0.0.1:1/0", SECRET)  # nothing listens on port 1

    async def scenario():
        claims = [await state.claim("u:1", 60), await state.claim("u:1", 60)]
        async with state.lock("c", 1, 1):
            locked = True
        return claims, locked, await state.ping()

    assert asyncio.run(scenario()) == ([True, False], True, False)
