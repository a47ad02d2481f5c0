"""A migrated, empty database for storage tests, on both engines the project supports."""

from __future__ import annotations

import pytest

from bot.db.base import engine_for
from bot.db.migrate import upgrade_to_head


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """A temporary SQLite file, or a fresh PostgreSQL schema (skips or fails like postgres_url)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'intake.db'}"
    else:
        url = request.getfixturevalue("fresh_postgres_url")
    upgrade_to_head(url)
    yield url
    engine_for(url).dispose()  # release pooled connections before the schema is dropped
