"""The per-account lockout: after LOCKOUT_AFTER failed sign-ins in a row the account is locked in
the database (so a restart or a second dashboard process does not forget it), the person is told
who can unlock it, and an admin unlocks it on the staff page or from the command line (audited).
Separate from the in-memory per-address SignInLimiter, which these tests set out of the way."""

from __future__ import annotations

import io
import re
import sys

import pytest

from bot.dashboard import cli
from bot.dashboard.auth import LOCKOUT_AFTER, SignInLimiter
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

WRONG = "not the password at all"


@pytest.fixture
def app(db_url):
    return make_app(db_url)


def fail(app, username: str, times: int) -> None:
    for _ in range(times):
        assert sign_in(new_client(app), username, WRONG).status_code == 401


def test_ten_failures_in_a_row_lock_the_account_and_say_plainly_what_to_do(app, db_url):
    assert LOCKOUT_AFTER == 10
    fail(app, "sam", LOCKOUT_AFTER - 1)
    assert account(db_url, "sam").locked_at is None
    fail(app, "sam", 1)
    assert account(db_url, "sam").locked_at is not None
    locked = sign_in(new_client(app), "sam")  # even the right password
    assert locked.status_code == 401
    assert "This account is locked after 10 failed sign-ins" in locked.text
    assert "Staff page" in locked.text and "bot.dashboard.cli unlock --username" in locked.text
    assert "admin" in locked.text and "wait" not in locked.text.lower()
    entries = audit_entries(db_url)
    assert ("sam", "account_locked", None, "10 failed sign-ins in a row; an admin can unlock it") in entries
    assert entries[-1] == ("sam", "sign_in_failed", None, "account locked")
    assert sign_in(new_client(app), "ada").status_code == 303  # other accounts are unaffected


def test_a_wrong_password_on_a_locked_account_gets_the_ordinary_answer(app, db_url):
    fail(app, "sam", LOCKOUT_AFTER)
    response = sign_in(new_client(app), "sam", WRONG)
    assert "do not match an active account" in response.text and "This account is locked" not in response.text
    unknown = sign_in(new_client(app), "nobody", WRONG)
    assert unknown.status_code == 401 and "do not match" in unknown.text  # the same page either way


def test_a_successful_sign_in_resets_the_count(app, db_url):
    fail(app, "sam", LOCKOUT_AFTER - 1)
    signed_in(app, "sam")
    assert account(db_url, "sam").failed_sign_ins == 0
    fail(app, "sam", LOCKOUT_AFTER - 1)
    assert account(db_url, "sam").locked_at is None


def test_the_lock_survives_a_restart_and_holds_in_another_process(app, db_url):
    fail(app, "sam", LOCKOUT_AFTER)
    for other in (make_app(db_url), make_app(db_url, limiter=SignInLimiter())):  # fresh in-memory state
        assert "is locked" in sign_in(new_client(other), "sam").text


def test_failures_spread_over_processes_add_up(db_url):
    first, second = make_app(db_url), make_app(db_url)
    fail(first, "sam", LOCKOUT_AFTER // 2)
    fail(second, "sam", LOCKOUT_AFTER - LOCKOUT_AFTER // 2)
    assert account(db_url, "sam").locked_at is not None


def test_an_admin_unlocks_it_on_the_staff_page_and_it_is_audited(app, db_url):
    fail(app, "sam", LOCKOUT_AFTER)
    admin = signed_in(app, "ada")
    page = admin.get("/staff").text
    assert "locked" in page and 'aria-label="Unlock sam"' in page
    response = admin.post("/staff/sam", data={"change": "unlock", "csrf_token": page_token(admin, "/staff")})
    assert response.status_code == 303
    assert ("ada", "account_change", None, "unlocked sam") in audit_entries(db_url)
    assert account(db_url, "sam").locked_at is None and account(db_url, "sam").failed_sign_ins == 0
    assert sign_in(new_client(app), "sam").status_code == 303
    again = admin.post("/staff/sam", data={"change": "unlock", "csrf_token": page_token(admin, "/staff")})
    assert again.status_code == 303 and "sam is not locked" in admin.get("/staff").text


def test_staff_cannot_unlock(app, db_url):
    fail(app, "ada", LOCKOUT_AFTER)
    staff = signed_in(app, "sam")
    assert staff.post("/staff/ada", data={"change": "unlock", "csrf_token": page_token(staff)}).status_code == 403
    assert account(db_url, "ada").locked_at is not None


def test_the_command_line_unlocks_too_and_a_new_password_also_unlocks(app, db_url, monkeypatch, capsys):
    fail(app, "sam", LOCKOUT_AFTER)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert cli.main(["--database-url", db_url, "list-staff"]) == 0
    assert "active, locked" in capsys.readouterr().out
    assert cli.main(["--database-url", db_url, "unlock", "--username", "sam"]) == 0
    assert "Account sam unlocked" in capsys.readouterr().out
    assert [a for a in audit_entries(db_url) if a[3] == "unlocked sam"][0][0].startswith("cli:")
    fail(app, "sam", LOCKOUT_AFTER)
    monkeypatch.setattr(sys, "stdin", io.StringIO("a fresh long phrase here\n"))
    assert cli.main(["--database-url", db_url, "set-password", "--username", "sam", "--password-stdin"]) == 0
    assert sign_in(new_client(app), "sam", "a fresh long phrase here").status_code == 303


def test_the_per_address_pause_no_longer_sends_people_to_an_admin(db_url):
    app = make_app(db_url, limiter=SignInLimiter(max_failures=2))
    client = new_client(app)
    for _ in range(2):
        sign_in(client, "sam", WRONG)
    paused = sign_in(client, "sam")
    assert paused.status_code == 429 and "Please wait about 15 minutes" in paused.text
    alert = re.search(r'role="alert">(.*?)</p>', paused.text, re.S).group(1)
    assert "admin" not in alert  # an admin cannot lift this pause; the lockout is what admins unlock
