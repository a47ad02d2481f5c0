"""At rest: the intake's SQLite database overwrites what is deleted or erased (secure_delete), and
the project's folders are owner-only."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone

from sqlalchemy import delete, event, select, text

from bot.consultation import IntakeSubmission
from bot.dashboard.erasure import erase_request
from bot.db.base import engine_for, session_scope
from bot.db.consultations import save_submission
from bot.db.migrate import upgrade_to_head
from bot.db.models import ConsultationRequest
from bot.private_files import private_dir

NAME = "Zebedee Quixotic-Marmalade"
NOTES = "distinctive-health-note-7781 warfarin"


def _submission(key: str) -> IntakeSubmission:
    return IntakeSubmission(
        idempotency_key=key,
        channel="web",
        conversation_id=f"web-{key}",
        name=NAME,
        preferred_contact="email",
        concerns="acne scars",
        email="zebedee@example.com",
        health_notes=NOTES,
        consent_at=datetime(2025, 11, 23, 10, 30, tzinfo=timezone.utc),
    )


def _off(dbapi_connection, _record) -> None:
    dbapi_connection.execute("PRAGMA secure_delete=OFF")


def _engine_as_on_a_build_without_secure_delete(url: str):
    """Debian builds SQLite with secure delete on by default, most others do not: start every
    connection with it off, before engine_for's own setup runs, so these tests show ours is set."""
    engine = engine_for(url)
    event.listen(engine, "connect", _off, insert=True)
    return engine


def _migrated(tmp_path):
    path = tmp_path / "intake.db"
    url = f"sqlite:///{path}"
    _engine_as_on_a_build_without_secure_delete(url)
    upgrade_to_head(url)
    return path, url


def test_every_new_connection_has_secure_delete_on(tmp_path):
    engine = _engine_as_on_a_build_without_secure_delete(f"sqlite:///{tmp_path / 'intake.db'}")
    for _ in range(2):
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA secure_delete")).scalar() == 1
        engine.dispose()  # the next one is a new connection, not the pooled one


def test_a_deleted_row_leaves_nothing_readable_in_the_file(tmp_path):
    path, url = _migrated(tmp_path)
    save_submission(url, _submission("k1"))
    with session_scope(url) as session:
        session.execute(delete(ConsultationRequest))
    engine_for(url).dispose()
    raw = path.read_bytes()
    assert NAME.encode() not in raw and NOTES.encode() not in raw


def test_an_erased_request_leaves_nothing_readable_in_the_file(tmp_path):
    path, url = _migrated(tmp_path)
    save_submission(url, _submission("k1"))
    with session_scope(url) as session:
        erase_request(session, session.scalars(select(ConsultationRequest)).one(), actor="ada")
    engine_for(url).dispose()
    raw = path.read_bytes()
    assert NAME.encode() not in raw and NOTES.encode() not in raw and b"zebedee@example.com" not in raw


def test_without_secure_delete_the_deleted_value_would_stay_in_the_file(tmp_path):
    """The control: shows the two tests above would catch a missing pragma."""
    path = tmp_path / "plain.db"
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA secure_delete=OFF")
    connection.execute("CREATE TABLE t (value TEXT)")
    connection.execute("INSERT INTO t VALUES (?)", (NAME,))
    connection.commit()
    connection.execute("DELETE FROM t")
    connection.commit()
    connection.close()
    assert NAME.encode() in path.read_bytes()


def test_private_dir_creates_owner_only_folders_and_tightens_an_open_one(tmp_path):
    created = private_dir(tmp_path / "var" / "logs")
    assert created.stat().st_mode & 0o777 == 0o700
    existing = tmp_path / "open"
    existing.mkdir(mode=0o755)
    existing.chmod(0o755)
    assert private_dir(existing).stat().st_mode & 0o777 == 0o700
