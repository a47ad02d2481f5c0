"""The optional second factor: enrol from the account page (key and otpauth address shown as text),
confirm with a code, then sign-in asks for a code after the password. Codes are not accepted twice,
wrong codes count towards the lockout, DASHBOARD_REQUIRE_ADMIN_2FA sends an admin without one to
set it up first, and an admin can remove it for a lost phone."""

from __future__ import annotations

import logging
import re
import time
from html import unescape

import pyotp
import pytest

from bot.dashboard.auth import LOCKOUT_AFTER
from tests.support.dashboard_client import (
    account,
    audit_entries,
    make_app,
    new_client,
    page_token,
    sign_in,
    signed_in,
)
from tests.support.dashboard_db import db_url, template_db  # noqa: F401  (fixtures)


class Clock:
    """time.time for the app and for the test's authenticator; starts mid-step."""

    def __init__(self) -> None:
        self.now = 1_700_000_010.0

    def __call__(self) -> float:
        return self.now

    def next_step(self) -> None:
        self.now += 30


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(time, "time", clock)
    return clock


@pytest.fixture
def app(db_url, clock):
    return make_app(db_url)


def enrol(client) -> str:
    """Sets up two-step sign-in from the account page; returns the key shown there."""
    client.post("/account/second-factor", data={"step": "start", "csrf_token": page_token(client, "/account")})
    page = client.get("/account").text
    secret = re.search(r'<code class="totp-secret">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")
    uri = unescape(re.search(r'<code class="totp-uri">([^<]+)</code>', page).group(1))
    assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri and "issuer=Test%20Clinic" in uri
    response = client.post(
        "/account/second-factor",
        data={
            "step": "confirm",
            "code": pyotp.TOTP(secret).at(time.time()),
            "csrf_token": page_token(client, "/account"),
        },
    )
    assert response.headers["location"] == "/account?done=on"
    assert "Two-step sign-in is on" in client.get("/account?done=on").text
    return secret


def code_page(app, username: str):
    client = new_client(app)
    response = sign_in(client, username)
    assert response.status_code == 303 and response.headers["location"] == "/signin/code"
    return client


def send_code(client, code: str):
    return client.post("/signin/code", data={"code": code, "csrf_token": page_token(client, "/signin/code")})


def test_enrol_then_sign_in_asks_for_the_code_after_the_password(app, db_url, clock):
    secret = enrol(signed_in(app, "sam"))
    stored = account(db_url, "sam")
    assert stored.totp_secret == secret and stored.totp_enabled_at is not None
    assert ("sam", "account_change", None, "two-step sign-in turned on for sam") in audit_entries(db_url)
    clock.next_step()
    client = code_page(app, "sam")
    assert client.get("/").status_code == 303  # the password alone does not sign in
    assert "6-digit code" in client.get("/signin/code").text
    assert send_code(client, "000000" if pyotp.TOTP(secret).now() != "000000" else "111111").status_code == 401
    response = send_code(client, pyotp.TOTP(secret).now())
    assert response.status_code == 303 and response.headers["location"] == "/"
    assert client.get("/").status_code == 200
    assert ("sam", "sign_in", None, "with authenticator code") in audit_entries(db_url)
    assert ("sam", "sign_in_failed", None, "wrong authenticator code") in audit_entries(db_url)


def test_a_code_is_not_accepted_twice_within_its_window(app, clock):
    secret = enrol(signed_in(app, "sam"))
    used_for_enrolment = pyotp.TOTP(secret).now()
    first = code_page(app, "sam")
    assert send_code(first, used_for_enrolment).status_code == 401  # the same step as the enrolment
    clock.next_step()
    code = pyotp.TOTP(secret).now()
    assert send_code(first, code).status_code == 303
    second = code_page(app, "sam")
    response = send_code(second, code)
    assert response.status_code == 401 and "already used" in response.text
    clock.now += 5  # same step a little later: still refused
    assert send_code(second, code).status_code == 401


def test_a_code_one_step_early_or_late_is_accepted_but_not_further(app, clock):
    secret = enrol(signed_in(app, "sam"))
    clock.now += 300
    client = code_page(app, "sam")
    assert send_code(client, pyotp.TOTP(secret).at(clock.now - 90)).status_code == 401
    assert send_code(client, pyotp.TOTP(secret).at(clock.now - 30)).status_code == 303


def test_wrong_codes_count_towards_the_lockout(app, db_url, clock):
    enrol(signed_in(app, "sam"))
    client = code_page(app, "sam")
    for _ in range(LOCKOUT_AFTER - 1):
        assert send_code(client, "12345x").status_code == 401
    response = send_code(client, "99999x")
    assert response.status_code == 401 and "This account is locked" in response.text
    assert account(db_url, "sam").locked_at is not None
    clock.next_step()
    again = new_client(app)
    assert "This account is locked" in sign_in(again, "sam").text  # not even the code page


def test_the_code_page_closes_after_five_minutes(app, clock):
    secret = enrol(signed_in(app, "sam"))
    client = code_page(app, "sam")
    clock.now += 5 * 60 + 1
    assert client.get("/signin/code").headers["location"] == "/signin"
    response = client.post(
        "/signin/code", data={"code": pyotp.TOTP(secret).now(), "csrf_token": page_token(client, "/signin")}
    )
    assert response.status_code == 401 and "open too long" in response.text
    assert client.get("/").status_code == 303


def test_turning_it_off_needs_a_current_code(app, db_url, clock):
    client = signed_in(app, "sam")
    secret = enrol(client)
    clock.next_step()
    token = page_token(client, "/account")
    wrong = client.post("/account/second-factor", data={"step": "turn_off", "code": "000000", "csrf_token": token})
    assert wrong.headers["location"] == "/account?done=wrong_code" and account(db_url, "sam").totp_secret
    client.post(
        "/account/second-factor", data={"step": "turn_off", "code": pyotp.TOTP(secret).now(), "csrf_token": token}
    )
    assert account(db_url, "sam").totp_secret is None
    assert sign_in(new_client(app), "sam").headers["location"] == "/"


def test_clinic_can_require_it_for_admins_who_must_enrol_before_anything_else(db_url, clock):
    app = make_app(db_url, require_admin_2fa=True)
    admin = new_client(app)
    assert sign_in(admin, "ada").headers["location"] == "/account"
    for path in ("/", "/audit", "/staff", "/callbacks", "/requests/R-1"):
        assert admin.get(path).headers.get("location") == "/account", path
    page = admin.get("/account").text
    assert "requires two-step sign-in for admin accounts" in page
    assert (
        admin.post("/export.csv", data={"csrf_token": page_token(admin, "/account")}).headers["location"] == "/account"
    )
    secret = enrol(admin)
    assert admin.get("/audit").status_code == 200
    assert "Turn off two-step sign-in" not in admin.get("/account").text
    clock.next_step()
    refused = admin.post(
        "/account/second-factor",
        data={"step": "turn_off", "code": pyotp.TOTP(secret).now(), "csrf_token": page_token(admin, "/account")},
    )
    assert refused.headers["location"] == "/account?done=required" and account(db_url, "ada").totp_secret
    assert signed_in(app, "sam").get("/").status_code == 200  # staff accounts are not asked


def test_an_admin_removes_it_for_a_lost_phone_which_ends_that_accounts_sessions(app, db_url, clock):
    sam = signed_in(app, "sam")
    enrol(sam)
    admin = signed_in(app, "ada")
    assert 'aria-label="Remove two-step sign-in of sam"' in admin.get("/staff").text
    admin.post("/staff/sam", data={"change": "reset_second_factor", "csrf_token": page_token(admin, "/staff")})
    assert ("ada", "account_change", None, "removed two-step sign-in of sam") in audit_entries(db_url)
    assert sam.get("/").status_code == 303
    assert sign_in(new_client(app), "sam").headers["location"] == "/"  # password alone again


def test_the_secret_never_reaches_the_logs_or_the_audit_log(app, db_url, clock, caplog):
    caplog.set_level(logging.DEBUG)
    secret = enrol(signed_in(app, "sam"))
    clock.next_step()
    send_code(code_page(app, "sam"), pyotp.TOTP(secret).now())
    logged = "\n".join(
        record.getMessage() for record in caplog.records if not record.name.startswith(("httpx", "httpcore", "asyncio"))
    )
    assert secret not in logged and secret not in str(audit_entries(db_url))
