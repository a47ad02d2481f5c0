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


def insert_old_request(connection, at) -> None:
    """A consultation request with only the columns every migration since 0003 has had (MN-OLD234),
    as an older version stored it, so a migration test can check what the upgrade makes of it."""
    from sqlalchemy import text

    connection.execute(
        text(
            "INSERT INTO consultation_requests (reference, idempotency_key, created_at, updated_at, channel,"
            " conversation_id, name, preferred_contact, concerns, preferred_time, health_notes, outcome,"
            " consent_at, status) VALUES ('MN-OLD234', 'old', :at, :at, 'web', 'web-old', 'Old Patient',"
            " 'email', 'lines', '', '', 'eligible', :at, 'new')"
        ),
        {"at": at},
    )
