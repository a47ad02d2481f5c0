"""`python -m bot.export` against a temporary SQLite database, run as a real subprocess."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from bot.consent import consent_version
from bot.db.base import session_scope
from bot.db.migrate import upgrade_to_head
from bot.db.models import ConsultationRequest
from bot.db.repository import IntakeSubmission, save_submission
from bot.screening.replies import answer_follow_up, answer_rule
from bot.screening.rules import load_rules
from bot.settings import PROJECT_ROOT

RULES = load_rules(PROJECT_ROOT / "clinic" / "screening.yml")
SHOWN = "Your answers are seen only by the clinic's staff.\nDo you agree to share this information?"


def run_export(url: str, *args: str, cwd=None) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(PROJECT_ROOT), "DATABASE_URL": url}
    return subprocess.run([sys.executable, "-m", "bot.export", *args], capture_output=True, text=True,
                          encoding="utf-8", env=env, cwd=cwd or PROJECT_ROOT, timeout=120)


def _submission(key: str, name: str, answers, **extra) -> IntakeSubmission:
    values = dict(
        idempotency_key=key, channel="telegram", conversation_id=f"telegram-{key}", name=name,
        preferred_contact="phone", concerns="fine lines", phone="+447911123456",
        consent_at=datetime(2025, 11, 23, 9, 0, tzinfo=timezone.utc), answers=answers,
    )
    values.update(extra)
    return IntakeSubmission(**values)


@pytest.fixture
def filled_db(tmp_path):
    url = f"sqlite:///{tmp_path / 'intake.db'}"
    upgrade_to_head(url)
    iso = RULES["isotretinoin"]
    iso_answer = answer_follow_up(iso, answer_rule(iso, "yes, roaccutane"), "3 months ago", date(2025, 11, 23))
    first = save_submission(url, _submission(
        "k1", "Zoë O'Brien-Nguyen", [answer_rule(RULES["pregnancy"], "no"), iso_answer,
                                     answer_rule(RULES["numbing_allergy"], "yes, lidocaine")],
        date_of_birth=date(1985, 3, 12), age=40, email="zoe@example.com", treatment_areas="=cheeks",
        preferred_time="mornings", health_notes="Line one, \"quoted\"",
        consent_version=consent_version(SHOWN), consent_text=SHOWN,
    ))
    second = save_submission(url, _submission("k2", "Erased Person", [answer_rule(RULES["metal_allergy"], "yes")]))
    with session_scope(url) as session:  # what the dashboard's right-to-erasure leaves behind
        row = session.scalars(select(ConsultationRequest).where(ConsultationRequest.reference == second.reference)).one()
        row.name, row.phone, row.concerns, row.erased_at = "", None, "", datetime.now(timezone.utc)
    return url, first.reference, second.reference


def test_empty_database_exports_an_empty_array(tmp_path):
    result = run_export(f"sqlite:///{tmp_path / 'new' / 'intake.db'}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_json_export(filled_db):
    url, first_ref, erased_ref = filled_db
    result = run_export(url, "--format", "json")
    assert result.returncode == 0, result.stderr
    first, erased = json.loads(result.stdout)
    assert first["reference"] == first_ref and first["name"] == "Zoë O'Brien-Nguyen"
    assert first["phone"] == "+447911123456" and first["date_of_birth"] == "1985-03-12" and first["age"] == 40
    assert datetime.fromisoformat(first["created_at"]).utcoffset().total_seconds() == 0
    assert first["consent_at"] == "2025-11-23T09:00:00+00:00" and first["status"] == "new"
    assert first["channel"] == "telegram" and first["erased"] is False
    assert (first["consent_version"], first["consent_text"]) == (consent_version(SHOWN), SHOWN)
    # Stored without a version (as before 0004); erasure keeps the consent record, which is not personal.
    assert erased["consent_version"] is None and erased["consent_text"] is None and erased["consent_at"]
    assert first["screening"] == {
        "outcome": "needs_review",
        "flags": [
            {"rule": "isotretinoin", "level": "review", "answer": "yes, roaccutane", "follow_up": "3 months ago"},
            {"rule": "numbing_allergy", "level": "info", "answer": "yes, lidocaine"},
        ],
    }
    for key in ("id", "email", "preferred_contact", "concerns", "treatment_areas", "preferred_time", "health_notes"):
        assert key in first
    assert erased["reference"] == erased_ref and erased["erased"] is True
    assert erased["name"] is None and erased["phone"] is None and erased["screening"]["flags"] == []
    assert erased["screening"]["outcome"] == "not_eligible"


def test_csv_export(filled_db):
    url, first_ref, erased_ref = filled_db
    result = run_export(url, "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [row["reference"] for row in rows] == [first_ref, erased_ref]
    first = rows[0]
    assert first["flags"] == "isotretinoin (review): yes, roaccutane; numbing_allergy (info): yes, lidocaine"
    assert first["outcome"] == "needs_review" and first["phone"] == "+447911123456"
    assert first["treatment_areas"] == "'=cheeks"  # not run as a formula by a spreadsheet
    assert first["health_notes"] == 'Line one, "quoted"'
    assert (first["consent_version"], first["consent_text"]) == (consent_version(SHOWN), SHOWN)
    assert rows[1]["consent_version"] == "" and rows[1]["consent_at"]
    assert rows[1]["erased"] == "true" and rows[1]["name"] == "" and rows[1]["flags"] == ""


def test_unreachable_database_is_reported_on_stderr_only():
    result = run_export("postgresql+psycopg://postgres@127.0.0.1:1/test?connect_timeout=3")
    assert result.returncode == 2 and result.stdout == ""
    assert "could not be reached" in result.stderr


def test_bad_format_is_refused():
    result = run_export("sqlite://", "--format", "xml")
    assert result.returncode == 2 and result.stdout == "" and "invalid choice" in result.stderr
