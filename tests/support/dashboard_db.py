"""A dashboard database for HTTP-level tests: migrated once with one staff and one admin account,
then copied for each test (argon2 hashing is deliberately slow, so accounts are made once)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.dashboard.accounts import create_account
from bot.db.base import engine_for, session_scope
from bot.db.migrate import upgrade_to_head

PASSWORDS = {"sam": "front-desk tulip 42", "ada": "admin harbour lantern 7"}


@pytest.fixture(scope="module")
def template_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("dashboard") / "template.db"
    url = f"sqlite:///{path}"
    upgrade_to_head(url)
    with session_scope(url) as session:
        create_account(session, "sam", "staff", PASSWORDS["sam"], actor="test")
        create_account(session, "ada", "admin", PASSWORDS["ada"], actor="test")
    engine_for(url).dispose()
    return path


@pytest.fixture
def db_url(tmp_path, template_db):
    shutil.copy(template_db, tmp_path / "intake.db")
    url = f"sqlite:///{tmp_path / 'intake.db'}"
    yield url
    engine_for(url).dispose()
