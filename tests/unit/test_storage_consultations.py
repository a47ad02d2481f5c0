"""Intake storage on a real SQLite file and a real PostgreSQL (its own schema per test):
migrations, one-transaction saves, idempotent retries and races, rollback, unreachable database."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import date, datetime, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, select
from sqlalchemy.exc import IntegrityError

import bot.dashboard.models  # noqa: F401  (its tables are part of the same metadata)
from bot.db.base import Base, engine_for, session_scope
from bot.db.consultations import (
    REFERENCE_ALPHABET,
    IntakeSubmission,
    StorageUnavailable,
    list_requests,
    save_submission,
)
from bot.db.migrate import head_revision, upgrade_to_head
from bot.db.models import ConsultationRequest, ScreeningAnswer
from bot.screening.answers import RuleAnswer, answer_rule
from bot.screening.rules import Level, load_rules
from bot.settings import PROJECT_ROOT
from tests.support.races import race_two_saves
from tests.support.storage_db import db_url, insert_old_request  # noqa: F401  (db_url is a fixture)

RULES = load_rules(PROJECT_ROOT / "clinic" / "screening.yml")
CONSENT_AT = datetime(2025, 11, 23, 10, 30, tzinfo=timezone.utc)


def submission(key: str = "web-abc:2025-11-23T10:29:00Z", **changes) -> IntakeSubmission:
    answers = [
        answer_rule(RULES["pregnancy"], "no"),
        answer_rule(RULES["blood_thinners"], "only aspirin"),
        answer_rule(RULES["cold_sore_history"], "yes, now and then"),
    ]
    base = IntakeSubmission(
        idempotency_key=key,
        channel="web",
        conversation_id="web-abc",
        name="Zoë O'Brien-Nguyen",
        date_of_birth=date(1985, 3, 12),
        age=40,
        phone="+447911123456",
        email="zoe@example.com",
        preferred_contact="whatsapp",
        concerns="acne scars",
        preferred_time="weekday evenings",
        health_notes="I take aspirin daily.",
        consent_at=CONSENT_AT,
        answers=answers,
    )
    return replace(base, **changes)


def _count(url: str, model) -> int:
    with session_scope(url) as session:
        return session.scalar(select(func.count()).select_from(model))


def test_migrations_create_exactly_the_models_schema(db_url):
    with engine_for(db_url).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
        assert context.get_current_revision() == head_revision()
    tables = set(inspect(engine_for(db_url)).get_table_names())
    assert {"consultation_requests", "screening_answers", "alembic_version"} <= tables


def test_upgrade_is_repeatable_and_works_from_any_directory(db_url, tmp_path):
    upgrade_to_head(db_url)  # already at head: nothing to do, no error
    code = f"from bot.db.migrate import upgrade_to_head; upgrade_to_head({db_url!r})"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(PROJECT_ROOT), "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""


def test_first_revision_id_is_stable():
    from alembic.script import ScriptDirectory

    from bot.db.migrate import alembic_config

    script = ScriptDirectory.from_config(alembic_config(""))
    assert script.get_revision("0001_intake").down_revision is None


def test_save_stores_the_request_and_answers_in_order(db_url):
    saved = save_submission(db_url, submission())
    assert saved.created is True and saved.outcome == "needs_review"
    assert saved.reference.startswith("MN-") and len(saved.reference) == 9
    assert set(saved.reference[3:]) <= set(REFERENCE_ALPHABET)

    [stored] = list_requests(db_url)
    assert stored.reference == saved.reference and stored.status == "new" and stored.erased_at is None
    assert stored.name == "Zoë O'Brien-Nguyen" and stored.phone == "+447911123456"
    assert stored.date_of_birth == date(1985, 3, 12) and stored.outcome == "needs_review"
    assert stored.consent_at == CONSENT_AT
    assert stored.created_at.tzinfo is not None and stored.created_at.utcoffset().total_seconds() == 0
    assert [(a.rule_id, a.affirmed, a.level, a.position) for a in stored.answers] == [
        ("pregnancy", False, None, 0),
        ("blood_thinners", True, "review", 1),
        ("cold_sore_history", True, "info", 2),
    ]
    assert stored.answers[1].answer == "only aspirin"
    assert stored.answers[1].question == RULES["blood_thinners"].question


def test_a_request_keeps_its_conversation_s_language(db_url):
    save_submission(db_url, submission(key="web-es:1", language="es"))
    save_submission(db_url, submission(key="web-en:1"))  # a submission that says none: English
    assert sorted(r.language for r in list_requests(db_url)) == ["en", "es"]


def test_revision_0007_adds_the_language_to_both_request_tables_and_older_requests_are_english(db_url):
    from alembic import command
    from alembic.script import ScriptDirectory
    from sqlalchemy import text

    from bot.db.callbacks import list_callbacks
    from bot.db.migrate import alembic_config

    script = ScriptDirectory.from_config(alembic_config(""))
    assert script.get_revision("0007_request_language").down_revision == "0006_drop_treatment_areas"
    command.downgrade(alembic_config(db_url), "0006_drop_treatment_areas")
    for table in ("consultation_requests", "callback_requests"):
        assert "language" not in {c["name"] for c in inspect(engine_for(db_url)).get_columns(table)}
    at = {"at": CONSENT_AT}
    with engine_for(db_url).begin() as connection:  # requests as 0006 stored them
        insert_old_request(connection, CONSENT_AT)
        connection.execute(
            text(
                "INSERT INTO callback_requests (reference, idempotency_key, created_at, updated_at, channel,"
                " conversation_id, name, phone, preferred_time, consent_at, status) VALUES ('CB-OLD234', 'old-cb',"
                " :at, :at, 'web', 'web-old', 'Old Patient', '+447911123456', '', :at, 'new')"
            ),
            at,
        )
    upgrade_to_head(db_url)
    assert [r.language for r in list_requests(db_url)] == ["en"]
    assert [c.language for c in list_callbacks(db_url)] == ["en"]
    save_submission(db_url, submission(language="es"))
    assert [r.language for r in list_requests(db_url)] == ["en", "es"]


@pytest.mark.parametrize(
    ("levels", "outcome"),
    [
        ([], "eligible"),
        ([Level.INFO], "eligible"),
        ([Level.INFO, Level.DEFER], "deferred"),
        ([Level.REVIEW, Level.EXCLUDE], "not_eligible"),
    ],
)
def test_outcome_is_computed_from_the_answers(db_url, levels, outcome):
    answers = [
        RuleAnswer(rule_id=f"r{i}", answer_text="yes", affirmed=True, level=level, question="q?")
        for i, level in enumerate(levels)
    ]
    assert save_submission(db_url, submission(answers=answers)).outcome == outcome


def test_a_retry_returns_the_same_reference_without_a_second_row(db_url):
    first = save_submission(db_url, submission())
    again = save_submission(db_url, submission(name="Changed Name"))
    assert (again.reference, again.created) == (first.reference, False)
    assert _count(db_url, ConsultationRequest) == 1 and _count(db_url, ScreeningAnswer) == 3
    other = save_submission(db_url, submission(key="web-abc:2025-11-24T09:00:00Z"))
    assert other.created is True and other.reference != first.reference


def test_two_concurrent_saves_of_the_same_intake_store_one_request(db_url, monkeypatch, caplog):
    caplog.set_level("INFO", logger="bot.db")
    results = race_two_saves(lambda: save_submission(db_url, submission(key="race-key")), monkeypatch)
    assert len(results) == 2 and len({r.reference for r in results}) == 1
    assert sorted(r.created for r in results) == [False, True]
    assert "race resolved" in caplog.text
    assert _count(db_url, ConsultationRequest) == 1 and _count(db_url, ScreeningAnswer) == 3


def test_a_failing_answer_rolls_back_the_whole_request(db_url):
    broken = RuleAnswer(rule_id=None, answer_text="yes", affirmed=True, level=Level.REVIEW)  # NOT NULL
    with pytest.raises(IntegrityError):
        save_submission(db_url, submission(answers=[answer_rule(RULES["pregnancy"], "no"), broken]))
    assert _count(db_url, ConsultationRequest) == 0 and _count(db_url, ScreeningAnswer) == 0
    assert save_submission(db_url, submission()).created is True  # the key is free again


def test_database_constraints_guard_levels_and_outcomes(db_url):
    save_submission(db_url, submission())
    with pytest.raises(IntegrityError):
        with session_scope(db_url) as session:
            session.scalars(select(ScreeningAnswer)).first().level = "maybe"
    with pytest.raises(IntegrityError):
        with session_scope(db_url) as session:
            session.scalars(select(ConsultationRequest)).first().outcome = "fine"


def test_deleting_a_request_deletes_its_answers(db_url):
    save_submission(db_url, submission())
    with session_scope(db_url) as session:
        session.delete(session.scalars(select(ConsultationRequest)).one())
    assert _count(db_url, ScreeningAnswer) == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"age": 17, "minimum_age": 18}, "minimum age"),
        ({"consent_at": None}, "consent"),
        ({"consent_at": datetime(2025, 1, 1)}, "consent"),
        ({"phone": None, "email": None}, "phone number or an email"),
        ({"idempotency_key": " "}, "idempotency_key"),
        ({"language": "fr"}, "language must be one of en, es"),
    ],
)
def test_what_must_never_be_stored_is_refused_before_the_database(changes, message):
    with pytest.raises(ValueError, match=message):
        save_submission("postgresql+psycopg://postgres@127.0.0.1:1/never", submission(**changes))


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://postgres@127.0.0.1:1/test?connect_timeout=3",
        "sqlite:////proc/no-such-dir/intake.db",
    ],
)
def test_unreachable_database_raises_storage_unavailable(url, caplog):
    with pytest.raises(StorageUnavailable):
        save_submission(url, submission())
    with pytest.raises(StorageUnavailable):
        list_requests(url)
    assert "Zoë" not in caplog.text and "aspirin" not in caplog.text and "+447911123456" not in caplog.text


def test_logs_carry_references_not_personal_data(db_url, caplog):
    caplog.set_level("DEBUG", logger="bot.db")
    saved = save_submission(db_url, submission())
    save_submission(db_url, submission())
    assert saved.reference in caplog.text
    for personal in ("Zoë", "O'Brien", "+447911123456", "zoe@example.com", "aspirin", "acne"):
        assert personal not in caplog.text
