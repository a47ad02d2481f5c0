"""Callback-request storage on a real SQLite file and a real PostgreSQL (its own schema per test):
migration 0003, one-row saves, idempotent retries and races, refusals, unreachable database."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, select

import bot.dashboard.models  # noqa: F401  (its tables are part of the same metadata)
from bot.db import store_once
from bot.db.base import Base, engine_for, session_scope
from bot.db.callbacks import CallbackSubmission, list_callbacks, save_callback
from bot.db.consultations import REFERENCE_ALPHABET, StorageUnavailable
from bot.db.migrate import alembic_config, head_revision, upgrade_to_head
from bot.db.models import CallbackRequest
from tests.support.races import race_two_saves
from tests.support.storage_db import db_url  # noqa: F401  (fixture)

CONSENT_AT = datetime(2025, 11, 23, 10, 30, tzinfo=timezone.utc)
NEVER = "postgresql+psycopg://postgres@127.0.0.1:1/never"


def submission(key: str = "web-abc:callback:2025-11-23T10:29:00Z", **changes) -> CallbackSubmission:
    base = CallbackSubmission(
        idempotency_key=key,
        channel="web",
        conversation_id="web-abc",
        name="Zoë O'Brien-Nguyen",
        phone="+447911123456",
        preferred_time="after 5pm on weekdays",
        consent_at=CONSENT_AT,
    )
    return replace(base, **changes)


def _count(url: str) -> int:
    with session_scope(url) as session:
        return session.scalar(select(func.count()).select_from(CallbackRequest))


def test_revision_0003_follows_the_dashboard_on_the_way_to_head():
    script = ScriptDirectory.from_config(alembic_config(""))
    assert script.get_revision("0003_callbacks").down_revision == "0002_dashboard"
    assert "0003_callbacks" in [revision.revision for revision in script.walk_revisions("base", head_revision())]


def test_downgrade_removes_only_the_callback_table_and_upgrade_restores_it(db_url):
    command.downgrade(alembic_config(db_url), "0002_dashboard")
    tables = set(inspect(engine_for(db_url)).get_table_names())
    assert "callback_requests" not in tables and {"consultation_requests", "audit_events"} <= tables
    upgrade_to_head(db_url)
    assert "callback_requests" in inspect(engine_for(db_url)).get_table_names()


def test_upgrade_to_head_creates_exactly_the_models_table(db_url):
    with engine_for(db_url).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    inspector = inspect(engine_for(db_url))
    columns = {column["name"] for column in inspector.get_columns("callback_requests")}
    assert columns == set(CallbackRequest.__table__.c.keys())
    # PostgreSQL also lists the unique constraints' own indexes; the plain indexes are these two.
    plain = {index["name"] for index in inspector.get_indexes("callback_requests") if not index.get("unique")}
    assert plain == {"ix_callback_requests_created_at", "ix_callback_requests_status"}


def test_save_stores_one_new_callback_with_a_cb_reference(db_url):
    saved = save_callback(db_url, submission())
    assert saved.created is True
    assert saved.reference.startswith("CB-") and len(saved.reference) == 9
    assert set(saved.reference[3:]) <= set(REFERENCE_ALPHABET)

    [stored] = list_callbacks(db_url)
    assert stored.reference == saved.reference and stored.status == "new"
    assert (stored.name, stored.phone, stored.preferred_time) == (
        "Zoë O'Brien-Nguyen",
        "+447911123456",
        "after 5pm on weekdays",
    )
    assert (stored.channel, stored.conversation_id) == ("web", "web-abc")
    assert stored.consent_at == CONSENT_AT
    assert stored.created_at.utcoffset().total_seconds() == 0
    assert stored.erased_at is None and stored.handled_by is None and stored.handled_at is None


def test_a_retry_returns_the_same_reference_without_a_second_row(db_url):
    first = save_callback(db_url, submission())
    again = save_callback(db_url, submission(name="Changed Name"))
    assert (again.reference, again.created) == (first.reference, False)
    assert _count(db_url) == 1
    assert list_callbacks(db_url)[0].name == "Zoë O'Brien-Nguyen"
    other = save_callback(db_url, submission(key="web-abc:callback:2025-11-24T09:00:00Z"))
    assert other.created is True and other.reference != first.reference
    assert [row.reference for row in list_callbacks(db_url)] == [first.reference, other.reference]


def test_two_concurrent_saves_store_one_callback(db_url, monkeypatch):
    results = race_two_saves(lambda: save_callback(db_url, submission()), monkeypatch)
    assert sorted(result.created for result in results) == [False, True]
    assert results[0].reference == results[1].reference
    assert _count(db_url) == 1


def test_a_taken_reference_is_replaced_by_a_fresh_one(db_url, monkeypatch):
    taken = save_callback(db_url, submission(key="first")).reference
    fresh = iter([taken, "CB-FRESH2"])
    monkeypatch.setattr(store_once, "new_reference", lambda _prefix: next(fresh))
    assert save_callback(db_url, submission(key="second")).reference == "CB-FRESH2"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"consent_at": None}, "consent"),
        ({"consent_at": datetime(2025, 1, 1)}, "consent"),
        ({"phone": ""}, "phone number"),
        ({"phone": None}, "phone number"),
        ({"phone": "07700 900123"}, "E.164"),
        ({"idempotency_key": " "}, "idempotency_key"),
    ],
)
def test_check_refuses_what_must_never_be_stored_before_the_database(changes, message):
    with pytest.raises(ValueError, match=message):
        save_callback(NEVER, submission(**changes))


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://postgres@127.0.0.1:1/test?connect_timeout=3",
        "sqlite:////proc/no-such-dir/intake.db",
    ],
)
def test_unreachable_database_raises_storage_unavailable(url, caplog):
    with pytest.raises(StorageUnavailable):
        save_callback(url, submission())
    with pytest.raises(StorageUnavailable):
        list_callbacks(url)
    assert "Zoë" not in caplog.text and "+447911123456" not in caplog.text


def test_logs_carry_references_not_personal_data(db_url, caplog):
    caplog.set_level("DEBUG", logger="bot.db")
    saved = save_callback(db_url, submission())
    save_callback(db_url, submission())
    assert saved.reference in caplog.text
    for personal in ("Zoë", "O'Brien", "+447911123456", "after 5pm"):
        assert personal not in caplog.text


def test_the_database_refuses_an_unknown_status(db_url):
    from sqlalchemy.exc import IntegrityError

    saved = save_callback(db_url, submission())
    with pytest.raises(IntegrityError), session_scope(db_url) as session:
        row = session.scalar(select(CallbackRequest).where(CallbackRequest.reference == saved.reference))
        row.status = "booked"


def test_a_callback_keeps_its_conversation_s_language_and_refuses_one_not_ours(db_url):
    save_callback(db_url, submission(key="web-es:callback:1", language="es"))
    save_callback(db_url, submission(key="web-en:callback:1"))
    assert sorted(c.language for c in list_callbacks(db_url)) == ["en", "es"]
    with pytest.raises(ValueError, match="language must be one of en, es"):
        submission(language="de").check()
