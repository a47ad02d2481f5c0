"""Driving the dashboard app with Starlette's TestClient: sign in, read CSRF tokens, read the audit log."""

from __future__ import annotations

import re

from sqlalchemy import select
from starlette.testclient import TestClient

from bot.dashboard.app import SESSION_COOKIE, create_app
from bot.dashboard.auth import SignInLimiter
from bot.dashboard.models import AuditEvent, StaffUser
from bot.dashboard.security import SecurityConfig
from bot.db.base import session_scope
from tests.support.dashboard_db import PASSWORDS


def make_app(db_url: str, **options):
    """Plain-HTTP test app; a limiter that never pauses unless the test passes its own."""
    security = SecurityConfig(
        secret_key="x" * 48, secure_cookies=False, require_admin_2fa=options.pop("require_admin_2fa", False)
    )
    options.setdefault("limiter", SignInLimiter(max_failures=1000, max_per_address=1000))
    return create_app(db_url, security, clinic_name="Test Clinic", **options)


def new_client(app, cookie: str | None = None) -> TestClient:
    client = TestClient(app, follow_redirects=False)
    if cookie is not None:
        client.cookies.set(SESSION_COOKIE, cookie)
    return client


def session_cookie(client: TestClient) -> str:
    return client.cookies.get(SESSION_COOKIE)


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF field"
    return match.group(1)


def page_token(client: TestClient, path: str = "/") -> str:
    return csrf_from(client.get(path).text)


def sign_in(client: TestClient, username: str, password: str | None = None, next_page: str = "/"):
    token = csrf_from(client.get("/signin").text)
    return client.post(
        "/signin",
        data={
            "username": username,
            "password": password or PASSWORDS[username],
            "csrf_token": token,
            "next": next_page,
        },
    )


def signed_in(app, username: str) -> TestClient:
    client = new_client(app)
    response = sign_in(client, username)
    assert response.status_code == 303, response.text
    return client


def audit_entries(url: str) -> list[tuple[str, str, str | None, str]]:
    with session_scope(url) as session:
        return [
            (e.actor, e.action, e.reference, e.detail)
            for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))
        ]


def account(url: str, username: str) -> StaffUser:
    """The account row, detached (read its columns only)."""
    with session_scope(url) as session:
        user = session.scalar(select(StaffUser).where(StaffUser.username == username))
        session.expunge(user)
        return user
