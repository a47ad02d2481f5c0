"""Dashboard sessions can be ended: sign-out, a password reset and deactivation raise the account's
session epoch, and a copy of the cookie taken before stops working at once. Also the migration
that adds the columns, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import inspect, text

from bot.dashboard import accounts
from bot.dashboard.access import _load_current_user
from bot.db.base import engine_for, session_scope
from bot.db.migrate import alembic_config, upgrade_to_head
from tests.support.dashboard_client import (
    account,
    audit_entries,
    make_app,
    new_client,
    page_token,
    session_cookie,
    sign_in,
    signed_in,
)
from tests.support.dashboard_db import db_url, template_db  # noqa: F401  (fixtures)


@pytest.fixture
def app(db_url):
    return make_app(db_url)


def copied(app, client):
    """A second browser holding a copy of the client's session cookie (a stolen cookie)."""
    thief = new_client(app, session_cookie(client))
    assert thief.get("/").status_code == 200
    return thief


def test_sign_out_ends_the_session_even_for_a_copied_cookie(app, db_url):
    client = signed_in(app, "sam")
    thief = copied(app, client)
    other_device = signed_in(app, "sam")
    assert client.post("/signout", data={"csrf_token": page_token(client)}).status_code == 303
    assert thief.get("/").status_code == 303 and thief.get("/").headers["location"].startswith("/signin")
    assert other_device.get("/").status_code == 303  # sign-out ends every session of the account
    assert signed_in(app, "sam").get("/").status_code == 200  # signing in again works
    assert [a[:2] for a in audit_entries(db_url) if a[1] == "sign_out"] == [("sam", "sign_out")]


def test_a_password_reset_ends_every_session_of_the_account(app, db_url):
    client = signed_in(app, "sam")
    thief = copied(app, client)
    admin = signed_in(app, "ada")
    with session_scope(db_url) as session:
        accounts.set_password(session, "sam", "a brand new long phrase", actor="cli:test")
    assert client.get("/").status_code == 303 and thief.get("/").status_code == 303
    assert admin.get("/").status_code == 200  # other accounts keep theirs
    assert sign_in(new_client(app), "sam", "a brand new long phrase").status_code == 303
    assert ("cli:test", "account_change", None, "set password of sam; sessions ended") in audit_entries(db_url)


def test_deactivation_ends_a_copied_session_and_reactivation_does_not_revive_it(app, db_url):
    client = signed_in(app, "sam")
    thief = copied(app, client)
    admin = signed_in(app, "ada")
    admin.post("/staff/sam", data={"change": "deactivate", "csrf_token": page_token(admin, "/staff")})
    admin.post("/staff/sam", data={"change": "activate", "csrf_token": page_token(admin, "/staff")})
    assert client.get("/").status_code == 303 and thief.get("/").status_code == 303


def test_a_session_without_the_accounts_current_epoch_is_refused(db_url):
    """Cookies signed before epochs existed carry none; they, and ended ones, find no account."""
    user_id = account(db_url, "sam").id
    with session_scope(db_url) as session:
        assert _load_current_user(session, user_id, None) is None
        assert _load_current_user(session, user_id, 1) is None
        assert _load_current_user(session, user_id, 0).username == "sam"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migration_adds_the_columns_with_defaults_and_downgrades_cleanly(backend, tmp_path, request):
    url = f"sqlite:///{tmp_path / 'm.db'}" if backend == "sqlite" else request.getfixturevalue("fresh_postgres_url")
    config = alembic_config(url)
    command.upgrade(config, "0004_consent_texts")
    with engine_for(url).begin() as connection:
        connection.execute(
            text(
                "INSERT INTO staff_users (username, password_hash, role, active, created_at) "
                "VALUES ('old', 'x', 'staff', true, CURRENT_TIMESTAMP)"
            )
        )
    upgrade_to_head(url)
    with engine_for(url).connect() as connection:
        row = connection.execute(
            text(
                "SELECT session_epoch, failed_sign_ins, locked_at, totp_secret, totp_enabled_at, totp_last_step "
                "FROM staff_users WHERE username = 'old'"
            )
        ).one()
    assert tuple(row) == (0, 0, None, None, None, None)
    command.downgrade(config, "0004_consent_texts")
    columns = {column["name"] for column in inspect(engine_for(url)).get_columns("staff_users")}
    assert "session_epoch" not in columns and "totp_secret" not in columns and "username" in columns
    upgrade_to_head(url)
    engine_for(url).dispose()
