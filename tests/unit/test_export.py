"""`python -m bot.export` against a temporary SQLite database, run as a real subprocess; the
CSV cell rules with hostile cells; the dashboard's "Export CSV" giving the very same bytes."""

from __future__ import annotations

import csv
import io
import json
import os
import pwd
import re
import subprocess
import sys
from datetime import date, datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from starlette.testclient import TestClient

from bot.consent import consent_version
from bot.consultation import IntakeSubmission
from bot.dashboard.accounts import create_account
from bot.dashboard.app import create_app
from bot.dashboard.models import AuditEvent
from bot.dashboard.security import SecurityConfig
from bot.db.base import session_scope
from bot.db.consultations import save_submission
from bot.db.migrate import upgrade_to_head
from bot.db.models import ConsultationRequest
from bot.export import _safe_cell
from bot.screening.answers import answer_rule
from bot.screening.follow_ups import answer_follow_up
from bot.screening.rules import load_rules
from bot.settings import PROJECT_ROOT

RULES = load_rules(PROJECT_ROOT / "clinic" / "screening.yml")
SHOWN = "Your answers are seen only by the clinic's staff.\nDo you agree to share this information?"


def run_export(url: str, *args: str, cwd=None, as_bytes: bool = False, **env_extra: str) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(PROJECT_ROOT), "DATABASE_URL": url, **env_extra}
    text = {} if as_bytes else {"text": True, "encoding": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "bot.export", *args],
        capture_output=True,
        env=env,
        cwd=cwd or PROJECT_ROOT,
        timeout=120,
        **text,
    )


def _submission(key: str, name: str, answers, **extra) -> IntakeSubmission:
    values = dict(
        idempotency_key=key,
        channel="telegram",
        conversation_id=f"telegram-{key}",
        name=name,
        preferred_contact="phone",
        concerns="fine lines",
        phone="+447911123456",
        consent_at=datetime(2025, 11, 23, 9, 0, tzinfo=timezone.utc),
        answers=answers,
    )
    values.update(extra)
    return IntakeSubmission(**values)


@pytest.fixture
def filled_db(tmp_path):
    url = f"sqlite:///{tmp_path / 'intake.db'}"
    upgrade_to_head(url)
    iso = RULES["isotretinoin"]
    iso_answer = answer_follow_up(iso, answer_rule(iso, "yes, roaccutane"), "3 months ago", date(2025, 11, 23))
    first = save_submission(
        url,
        _submission(
            "k1",
            "Zoë O'Brien-Nguyen",
            [
                answer_rule(RULES["pregnancy"], "no"),
                iso_answer,
                answer_rule(RULES["numbing_allergy"], "yes, lidocaine"),
            ],
            date_of_birth=date(1985, 3, 12),
            age=40,
            email="zoe@example.com",
            preferred_time="=mornings",
            health_notes='Line one, "quoted"',
            consent_version=consent_version(SHOWN),
            consent_text=SHOWN,
        ),
    )
    second = save_submission(
        url, _submission("k2", "Erased Person", [answer_rule(RULES["metal_allergy"], "yes")], language="es")
    )
    with session_scope(url) as session:  # what the dashboard's right-to-erasure leaves behind
        row = session.scalars(
            select(ConsultationRequest).where(ConsultationRequest.reference == second.reference)
        ).one()
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
    # The conversation's language; kept when a request is erased, like its channel (not personal data).
    assert (first["language"], erased["language"]) == ("en", "es")
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
    for key in ("id", "email", "preferred_contact", "concerns", "preferred_time", "health_notes"):
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
    assert first["preferred_time"] == "'=mornings"  # not run as a formula by a spreadsheet
    assert first["health_notes"] == 'Line one, "quoted"'
    assert (first["consent_version"], first["consent_text"]) == (consent_version(SHOWN), SHOWN)
    assert rows[1]["consent_version"] == "" and rows[1]["consent_at"]
    assert rows[1]["erased"] == "true" and rows[1]["name"] == "" and rows[1]["flags"] == ""
    assert [row["language"] for row in rows] == ["en", "es"]
    assert list(rows[0])[:5] == ["id", "reference", "created_at", "channel", "language"]


def test_unreachable_database_is_reported_on_stderr_only():
    result = run_export("postgresql+psycopg://postgres@127.0.0.1:1/test?connect_timeout=3")
    assert result.returncode == 2 and result.stdout == ""
    assert "could not be reached" in result.stderr


def test_bad_format_is_refused():
    result = run_export("sqlite://", "--format", "xml")
    assert result.returncode == 2 and result.stdout == "" and "invalid choice" in result.stderr


def test_cli_exports_are_audited_with_the_operating_system_user(filled_db):
    url, _, _ = filled_db
    # $LOGNAME and $USERNAME are not trusted: the process's own account is recorded.
    assert run_export(url, "--format", "csv", LOGNAME="nurse-kim", USERNAME="nurse-kim").returncode == 0
    assert run_export(url, "--format", "json", LOGNAME="nurse-kim").returncode == 0
    with session_scope(url) as session:
        entries = [
            (e.actor, e.action, e.reference, e.detail)
            for e in session.scalars(select(AuditEvent).where(AuditEvent.action == "export").order_by(AuditEvent.id))
        ]
    me = f"cli:{pwd.getpwuid(os.getuid()).pw_name}"
    assert entries == [
        (me, "export", None, "2 requests; format=csv; command line"),
        (me, "export", None, "2 requests; format=json; command line"),
    ]


# ---------------------------------------------------------------- CSV cells


@pytest.mark.parametrize(
    "value,expected",
    [
        ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
        (';=HYPERLINK("http://evil.example")', ';\'=HYPERLINK("http://evil.example")'),  # Excel in a ';' locale
        ("fine lines,=1+2", "fine lines,'=1+2"),
        ("cheeks; @SUM(A1)", "cheeks; '@SUM(A1)"),
        ("no\n-2+3", "no\n'-2+3"),
        ("no\r\n=cmd|' /C calc'!A0", "no\r\n'=cmd|' /C calc'!A0"),
        ("a\t+1", "a\t'+1"),
        ("\t=1", "'\t'=1"),
        ("\r=1", "'\r'=1"),
        ("  =1", "  '=1"),  # "trim spaces" on import would leave =1
        ('＝HYPERLINK("x")', '\'＝HYPERLINK("x")'),
        ("a;＋1 and ＠x, －2", "a;'＋1 and ＠x, '－2"),
        ("-", "'-"),
        # Ordinary text and our own values stay as they are.
        ('Line one, "quoted"', 'Line one, "quoted"'),
        ("2025-11-23T09:00:00+00:00", "2025-11-23T09:00:00+00:00"),
        ("isotretinoin (review): yes, roaccutane; numbing_allergy (info): yes", None),
        ("Zoë O'Brien-Nguyen", None),
        ("a = b, c + d", None),
    ],
)
def test_formula_characters_are_neutralised_at_the_start_and_after_separators(value, expected):
    assert _safe_cell("concerns", value) == (value if expected is None else expected)


@pytest.mark.parametrize(
    "phone,expected",
    [
        ("+447911123456", "+447911123456"),  # E.164: dialable, no apostrophe
        ("+1234567", "+1234567"),
        ("+44 7911 123456", "'+44 7911 123456"),  # not how we store phones: the general rule
        ("+12345", "'+12345"),  # fewer than 6 digits
        ("+1234567890123456", "'+1234567890123456"),  # more than E.164's 15
        ("+447911123456\n=cmd|' /C calc'!A0", "'+447911123456\n'=cmd|' /C calc'!A0"),  # ^...$ would pass this
        ("+٤٤٧٩١١١٢٣٤٥٦", "'+٤٤٧٩١١١٢٣٤٥٦"),  # other scripts' digits (\\d would pass them)
        ("+44791112345)", "'+44791112345)"),
        ("=1+447911123456", "'=1+447911123456"),
    ],
)
def test_only_e164_phones_in_the_phone_column_keep_their_plus(phone, expected):
    assert _safe_cell("phone", phone) == expected
    assert _safe_cell("name", "+447911123456") == "'+447911123456"  # a "+" elsewhere is a formula


_STARTS = re.compile(r"(?:^|(?<=[,;\t\r\n]))[^\S\t\r\n]*[=+\-@\t\r＝＋－＠]")


@settings(max_examples=500, deadline=None, derandomize=True)
@given(st.text(alphabet=st.sampled_from("=+-@\t\r\n,; '\"＝＋－＠ab1"), max_size=30))
def test_no_cell_or_split_piece_starts_a_formula(value):
    safe = _safe_cell("concerns", value)
    assert safe.replace("'", "") == value.replace("'", "")  # only apostrophes were added
    assert not _STARTS.search(safe), repr(safe)


def test_every_csv_cell_is_quoted(filled_db):
    url, _, _ = filled_db
    lines = run_export(url, "--format", "csv", as_bytes=True).stdout.split(b"\r\n")
    header = lines[0].decode()
    assert header.startswith('"id","reference","created_at"') and header.endswith('"status","erased"')
    assert '"consent_version"' in header
    assert lines[1].startswith(b'"') and lines[-1] == b""


def test_the_dashboard_and_the_cli_export_the_same_bytes(filled_db):
    url, _, _ = filled_db
    save_submission(
        url,
        _submission(
            "k3",
            ';=HYPERLINK("http://evil.example","Open")',
            [answer_rule(RULES["pregnancy"], "no")],
            concerns="@SUM(1+1)\n-2",
            preferred_time="mornings,=1",
            health_notes="＝cmd|' /C calc'!A0",
            email="+447911123456",
            phone="+447911123456",
        ),
    )
    with session_scope(url) as session:
        create_account(session, "ada", "admin", "admin harbour lantern 7", actor="test")
    cli = run_export(url, "--format", "csv", as_bytes=True)
    assert cli.returncode == 0, cli.stderr

    client = TestClient(create_app(url, SecurityConfig("k" * 48, secure_cookies=False)), follow_redirects=False)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/signin").text).group(1)
    client.post(
        "/signin", data={"username": "ada", "password": "admin harbour lantern 7", "csrf_token": token, "next": "/"}
    )
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text).group(1)
    dashboard = client.post("/export.csv", data={"csrf_token": token})
    assert dashboard.status_code == 200
    assert dashboard.content == cli.stdout
    hostile = list(csv.DictReader(io.StringIO(cli.stdout.decode("utf-8"))))[-1]
    assert hostile["name"] == ';\'=HYPERLINK("http://evil.example","Open")'
    assert (hostile["phone"], hostile["email"]) == ("+447911123456", "'+447911123456")
    assert hostile["concerns"] == "'@SUM(1+1)\n'-2" and hostile["health_notes"].startswith("'＝")
