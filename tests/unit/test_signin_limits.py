"""Sign-in limits hold under parallel bursts: every attempt is counted before its password is
checked, per account and per client address, so guesses sent all at once get no further than
guesses sent one by one. Also shared through Redis between dashboard processes."""

from __future__ import annotations

import re
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

from starlette.testclient import TestClient

from bot.dashboard.app import create_app
from bot.dashboard.auth import SignInLimiter
from bot.dashboard.security import SecurityConfig
from bot.limits import RedisLimiter
from tests.support.dashboard_db import PASSWORDS, db_url, template_db  # noqa: F401  (fixtures)

SECURITY = SecurityConfig(secret_key="x" * 48, secure_cookies=False)


def burst(
    app, attempts: list[tuple[str, str]], client_address: str = "testclient", forwarded_for: str | None = None
) -> list[int]:
    """Posts all the sign-ins at once from parallel threads; returns their status codes."""
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    with TestClient(app, follow_redirects=False, client=(client_address, 50000), headers=headers) as client:
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/signin").text).group(1)
        start = threading.Barrier(len(attempts), timeout=60)

        def post(attempt):
            username, password = attempt
            start.wait()
            return client.post(
                "/signin", data={"username": username, "password": password, "csrf_token": token, "next": "/"}
            ).status_code

        with ThreadPoolExecutor(max_workers=len(attempts)) as pool:
            return list(pool.map(post, attempts))


def test_a_parallel_burst_of_guesses_at_one_account_gets_only_five_checked(db_url):
    app = create_app(db_url, SECURITY, limiter=SignInLimiter())
    statuses = burst(app, [("sam", f"wrong guess number {n}") for n in range(20)])
    assert statuses.count(401) == 5 and statuses.count(429) == 15
    # The right password waits too, until the window ends.
    assert burst(app, [("sam", PASSWORDS["sam"])]) == [429]


def test_a_parallel_burst_across_accounts_from_one_address_is_capped_per_address(db_url):
    app = create_app(db_url, SECURITY, limiter=SignInLimiter(max_per_address=8))
    statuses = burst(app, [(f"user{n}", "wrong guess here") for n in range(16)])
    assert statuses.count(401) == 8 and statuses.count(429) == 8
    # Another address is not held back by this one.
    assert burst(app, [("ada", PASSWORDS["ada"])], client_address="10.0.0.9") == [303]


def test_behind_a_trusted_proxy_each_staff_address_has_its_own_budget(db_url):
    # Every sign-in reaches the dashboard from the load balancer (10.0.0.2), which appends the
    # address it saw to X-Forwarded-For.
    app = create_app(db_url, SECURITY, limiter=SignInLimiter(max_per_address=8), trusted_proxy_hops=1)
    statuses = burst(app, [(f"user{n}", "wrong guess here") for n in range(9)], "10.0.0.2", "203.0.113.7")
    assert statuses.count(401) == 8 and statuses.count(429) == 1
    # A colleague behind the same load balancer is not held back...
    assert burst(app, [("ada", PASSWORDS["ada"])], "10.0.0.2", "203.0.113.8") == [303]
    # ...and the guesser cannot get a new budget by writing an address of its own in front.
    assert burst(app, [("sam", PASSWORDS["sam"])], "10.0.0.2", "198.51.100.1, 203.0.113.7") == [429]


def test_without_trusted_proxies_a_forwarded_address_is_ignored(db_url):
    app = create_app(db_url, SECURITY, limiter=SignInLimiter(max_per_address=8))
    assert burst(app, [(f"user{n}", "wrong guess here") for n in range(8)], "10.0.0.3", "203.0.113.9") == [401] * 8
    assert burst(app, [("ada", PASSWORDS["ada"])], "10.0.0.3", "198.51.100.2") == [429]


def test_dashboard_processes_sharing_redis_share_the_counts(db_url, redis_url):
    import redis

    prefix = f"test-signin-{uuid.uuid4().hex[:8]}:"
    first, second = (
        create_app(db_url, SECURITY, limiter=SignInLimiter(limits=RedisLimiter(redis_url, b"k" * 32, prefix=prefix)))
        for _ in range(2)
    )
    try:
        assert burst(first, [("sam", f"wrong {n} guess") for n in range(3)]) == [401] * 3
        assert sorted(burst(second, [("sam", f"wrong {n} again") for n in range(4)])) == [401, 401, 429, 429]
    finally:
        store = redis.Redis.from_url(redis_url)
        for key in store.scan_iter(f"{prefix}*"):
            store.delete(key)
