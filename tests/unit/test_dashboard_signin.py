"""Signing in to the dashboard over HTTP: one answer for a wrong password and an unknown
account, the page to return to, the rate limit, cookie flags and when a session ends."""

from __future__ import annotations

from starlette.testclient import TestClient

from bot.dashboard import auth
from bot.dashboard.app import create_app
from bot.dashboard.auth import SessionPolicy
from bot.dashboard.security import SecurityConfig
from tests.support.dashboard_client import audit_entries, csrf_from, new_client, sign_in, signed_in
from tests.support.dashboard_db import PASSWORDS, db_url, template_db  # noqa: F401  (fixtures)
from tests.support.dashboard_http import add_request, app, clock  # noqa: F401  (fixtures)


def test_wrong_password_and_unknown_user_get_the_same_answer(app):
    wrong = sign_in(new_client(app), "sam", "not the password at all")
    unknown = sign_in(new_client(app), "nobody", "not the password at all")
    assert wrong.status_code == unknown.status_code == 401
    assert "do not match an active account" in wrong.text and "do not match an active account" in unknown.text


def test_sign_in_returns_to_the_requested_page_but_never_off_site(app, db_url):
    add_request(db_url, "R-1")
    client = new_client(app)
    token = csrf_from(client.get("/signin?next=/requests/R-1").text)
    response = client.post(
        "/signin", data={"username": "sam", "password": PASSWORDS["sam"], "csrf_token": token, "next": "/requests/R-1"}
    )
    assert response.headers["location"] == "/requests/R-1"
    other = new_client(app)
    token = csrf_from(other.get("/signin").text)
    response = other.post(
        "/signin",
        data={"username": "sam", "password": PASSWORDS["sam"], "csrf_token": token, "next": "//evil.example/x"},
    )
    assert response.headers["location"] == "/"


def test_sign_in_is_rate_limited_per_username_and_address(app, clock):
    client = new_client(app)
    for _ in range(5):
        assert sign_in(client, "sam", "wrong password here").status_code == 401
    blocked = sign_in(client, "sam")  # even the right password waits
    assert blocked.status_code == 429
    assert "Too many failed attempts" in blocked.text and "15 minutes" in blocked.text
    assert sign_in(new_client(app), "ada").status_code == 303  # another account is not locked out
    pauses = [a for a in audit_entries(app.state.database_url) if a[3].startswith("5 failures")]
    assert pauses == [("sam", "sign_in_failed", None, "5 failures: sign-in paused for 15 minutes")]
    clock.now += 15 * 60 + 1
    assert sign_in(client, "sam").status_code == 303


def test_cookies_are_httponly_samesite_strict_and_secure_outside_development(db_url):
    dev = create_app(db_url, SecurityConfig("k" * 48, secure_cookies=False))
    cookie = sign_in(new_client(dev), "sam").headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" not in cookie
    production = create_app(db_url, SecurityConfig("k" * 48, secure_cookies=True))
    client = TestClient(production, base_url="https://testserver", follow_redirects=False)
    response = sign_in(client, "sam")
    assert response.status_code == 303
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" in cookie
    assert "max-age=28800" in cookie  # 8 hours at most
    assert "strict-transport-security" in response.headers


def test_session_ends_after_30_idle_minutes(app, monkeypatch):
    now = [1_700_000_000.0]
    monkeypatch.setattr(auth.time, "time", lambda: now[0])
    client = signed_in(app, "sam")
    now[0] += 29 * 60
    assert client.get("/").status_code == 200  # activity restarts the idle timer
    now[0] += 29 * 60
    assert client.get("/").status_code == 200
    now[0] += 31 * 60
    response = client.get("/requests/R-9?x=1")
    assert response.status_code == 303 and response.headers["location"] == "/signin?next=%2Frequests%2FR-9%3Fx%3D1"
    assert "Your session ended" in client.get(response.headers["location"]).text


def test_session_ends_8_hours_after_sign_in_even_when_busy(app, monkeypatch):
    now = [1_700_000_000.0]
    monkeypatch.setattr(auth.time, "time", lambda: now[0])
    client = signed_in(app, "sam")
    for _ in range(16):  # a request every 25 minutes for 6h40m
        now[0] += 25 * 60
        assert client.get("/").status_code == 200
    now[0] += 5 * 25 * 60  # passes 8 hours
    assert client.get("/").status_code == 303


def test_session_policy_defaults():
    assert SessionPolicy().absolute_seconds == 8 * 3600 and SessionPolicy().idle_seconds == 30 * 60
