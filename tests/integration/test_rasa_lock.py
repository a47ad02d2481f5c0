"""bot/rasa_lock.py in Rasa's own environment, on a real Redis: two Rasa "replicas" (two lock
stores on one database) never hold one conversation at once, one replica's waiters keep their
order, and a lock whose holder died is taken over once it expires."""

from __future__ import annotations

from tests.support.rasa_env import run_in_rasa

CHECK = r"""
import asyncio, json, sys, time
from rasa.core.lock_store import RedisLockStore

import bot.rasa_process  # noqa: F401  (installs the lock, as when Rasa is started)

host, port, db = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
replicas = [RedisLockStore(host=host, port=port, db=db), RedisLockStore(host=host, port=port, db=db)]
replicas[0].red.flushdb()
inside, overlap, order = [0], [0], []

async def turn(store, n):
    async with store.lock("conversation-1", lock_lifetime=5):
        inside[0] += 1
        overlap[0] = max(overlap[0], inside[0])
        order.append(n)
        await asyncio.sleep(0.01)
        inside[0] -= 1

async def one_replica_in_order():
    tasks = []
    for n in range(10):
        tasks.append(asyncio.ensure_future(turn(replicas[0], n)))
        await asyncio.sleep(0.001)
    await asyncio.gather(*tasks)

async def both_replicas():
    await asyncio.gather(*(turn(replicas[n % 2], 100 + n) for n in range(40)))

async def dead_holder():
    dead = replicas[1].lock("conversation-2", lock_lifetime=0.5)
    await dead.__aenter__()  # a replica that died holding it: never releases
    began = time.monotonic()
    async with replicas[0].lock("conversation-2", lock_lifetime=5):
        return time.monotonic() - began

asyncio.run(one_replica_in_order())
found = {"in_order": order[:10] == list(range(10))}
asyncio.run(both_replicas())
found["overlap"] = overlap[0]
found["turns"] = len(order)
found["took_over_after"] = asyncio.run(dead_holder())
replicas[0].red.flushdb()
print(json.dumps(found))
"""


def test_two_replicas_never_hold_one_conversation_at_once_and_a_dead_holder_expires(redis_url):
    host, rest = redis_url.removeprefix("redis://").split(":")
    port, db = rest.split("/")
    found = run_in_rasa(CHECK, host, port, db)
    assert found["in_order"], "one replica's messages of a conversation keep their order"
    assert found["overlap"] == 1 and found["turns"] == 50
    assert 0.3 < found["took_over_after"] < 3, "a dead holder's lock is taken over once it expires"
