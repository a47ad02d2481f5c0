"""The staff dashboard over HTTP: every route for signed-out, staff and admin visitors, CSRF,
escaping, rate limiting, session expiry, filters, CSV export, erasure and the audit log.

Each test gets a fresh SQLite database upgraded with the real Alembic migrations."""
from __future__ import annotations

import csv
import io
import logging
import re
import shutil
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.types import String, Text
from starlette.testclient import TestClient

from bot.dashboard import auth
from bot.dashboard.app import create_app
from bot.dashboard.auth import SessionPolicy, SignInLimiter
from bot.dashboard.models import AuditEvent, StaffUser, StatusChange
from bot.dashboard.security import SecurityConfig
from bot.consent import consent_version
from bot.db.base import engine_for, session_scope
from bot.db.consent_texts import remember_consent_text
from bot.db.models import ConsultationRequest, ScreeningAnswer
from tests.support.dashboard_db import PASSWORDS, db_url, template_db  # noqa: F401  (fixtures)
from tests.support.tracker_db import make_tracker_db, senders_in

XSS_NAME = "<script>alert(1)</script>"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def db_url(tmp_path, template_db):
    shutil.copy(template_db, tmp_path / "intake.db")
    url = f"sqlite:///{tmp_path / 'intake.db'}"
    yield url
    engine_for(url).dispose()


def add_request(url: str, reference: str, **fields) -> None:
    """Stores a request as the bot would, with screening answers."""
    values = dict(
        reference=reference, idempotency_key=f"key-{reference}", channel="web",
        conversation_id=f"web-conv-{reference}", name="Maria Lopez", date_of_birth=date(1980, 5, 17),
        age=45, phone="+447700900123", email="maria@example.org", preferred_contact="phone",
        concerns="acne scars on cheeks", treatment_areas="face", preferred_time="weekday mornings",
        health_notes="takes vitamin D", outcome="eligible", consent_at=datetime.now(timezone.utc),
        status="new", created_at=datetime.now(timezone.utc),
    )
    answers = fields.pop("answers", [
        ("pregnancy", "Are you pregnant or breastfeeding?", "no, not pregnant", False, None, None),
        ("blood_thinners", "Do you take blood thinners?", "yes I take warfarin daily", True, "review",
         "Which medicine, and who prescribed it?"),
    ])
    values.update(fields)
    with session_scope(url) as session:
        request = ConsultationRequest(**values)
        for position, (rule_id, question, answer, affirmed, level, follow_up) in enumerate(answers):
            request.answers.append(ScreeningAnswer(
                rule_id=rule_id, question=question, answer=answer, affirmed=affirmed, level=level,
                follow_up=follow_up, position=position,
            ))
        session.add(request)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def app(db_url, clock):
    security = SecurityConfig(secret_key="x" * 48, secure_cookies=False)
    return create_app(db_url, security, limiter=SignInLimiter(clock=clock), clinic_name="Test Clinic")


def new_client(app) -> TestClient:
    return TestClient(app, follow_redirects=False)


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF field"
    return match.group(1)


def sign_in(client: TestClient, username: str, password: str | None = None):
    token = csrf_from(client.get("/signin").text)
    return client.post("/signin", data={
        "username": username, "password": password or PASSWORDS[username], "csrf_token": token, "next": "/",
    })


def signed_in(app, username: str) -> TestClient:
    client = new_client(app)
    response = sign_in(client, username)
    assert response.status_code == 303, response.text
    return client


def page_token(client: TestClient, path: str = "/") -> str:
    return csrf_from(client.get(path).text)


def audit_actions(url: str) -> list[tuple[str, str, str | None, str]]:
    with session_scope(url) as session:
        return [(e.actor, e.action, e.reference, e.detail)
                for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


# ---------------------------------------------------------------- who may do what

GET_PAGES = ["/", "/requests/R-1", "/audit", "/staff"]


@pytest.mark.parametrize("path", GET_PAGES)
def test_signed_out_pages_redirect_to_sign_in_and_remember_the_page(app, db_url, path):
    add_request(db_url, "R-1")
    response = new_client(app).get(path)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/signin?next=")


@pytest.mark.parametrize("path,data", [
    ("/requests/R-1/status", {"to_status": "contacted"}),
    ("/requests/R-1/erase", {"confirm_reference": "R-1"}),
    ("/export.csv", {}),
    ("/staff/sam", {"change": "deactivate"}),
    ("/signout", {}),
])
def test_signed_out_posts_are_refused_even_with_a_valid_csrf_token(app, db_url, path, data):
    add_request(db_url, "R-1")
    client = new_client(app)
    token = csrf_from(client.get("/signin").text)
    response = client.post(path, data={**data, "csrf_token": token})
    assert response.status_code == 303 and response.headers["location"] == "/signin?next=%2F"
    with session_scope(db_url) as session:
        request = session.scalar(select(ConsultationRequest))
        assert request.status == "new" and request.name == "Maria Lopez"


def test_staff_can_list_open_and_change_status_but_not_use_admin_routes(app, db_url):
    add_request(db_url, "R-1")
    client = signed_in(app, "sam")
    assert client.get("/").status_code == 200
    assert client.get("/requests/R-1").status_code == 200
    token = page_token(client)
    assert client.post("/requests/R-1/status", data={"to_status": "contacted", "csrf_token": token}).status_code == 303
    for path in ("/audit", "/staff"):
        assert client.get(path).status_code == 403
    assert client.post("/export.csv", data={"csrf_token": token}).status_code == 403
    assert client.post("/requests/R-1/erase", data={"confirm_reference": "R-1", "csrf_token": token}).status_code == 403
    assert client.post("/staff/ada", data={"change": "deactivate", "csrf_token": token}).status_code == 403
    page = client.get("/requests/R-1").text
    assert "Erase personal data" not in page and "Export CSV" not in client.get("/").text
    with session_scope(db_url) as session:
        request = session.scalar(select(ConsultationRequest))
        assert request.status == "contacted" and request.erased_at is None
        assert session.get(StaffUser, 2).active


def test_admin_can_use_every_route(app, db_url):
    add_request(db_url, "R-1")
    client = signed_in(app, "ada")
    for path in ("/", "/requests/R-1", "/audit", "/staff", "/audit?action=view"):
        assert client.get(path).status_code == 200, path
    token = page_token(client)
    assert client.post("/requests/R-1/status", data={"to_status": "contacted", "csrf_token": token}).status_code == 303
    export = client.post("/export.csv", data={"csrf_token": token})
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    assert client.post("/staff/sam", data={"change": "role", "role": "admin", "csrf_token": token}).status_code == 303
    assert client.post("/requests/R-1/erase", data={"confirm_reference": "R-1", "csrf_token": token}).status_code == 303
    assert client.post("/signout", data={"csrf_token": token}).status_code == 303
    assert client.get("/").status_code == 303  # signed out now


def test_unknown_reference_is_a_kind_404(app):
    client = signed_in(app, "sam")
    response = client.get("/requests/NOPE")
    assert response.status_code == 404 and "no request with that reference" in response.text


def test_deactivated_account_loses_its_open_session_at_once(app, db_url):
    client = signed_in(app, "sam")
    assert client.get("/").status_code == 200
    admin = signed_in(app, "ada")
    admin.post("/staff/sam", data={"change": "deactivate", "csrf_token": page_token(admin, "/staff")})
    assert client.get("/").status_code == 303
    assert sign_in(new_client(app), "sam").status_code == 401


def test_admin_cannot_deactivate_themself(app, db_url):
    admin = signed_in(app, "ada")
    admin.post("/staff/ada", data={"change": "deactivate", "csrf_token": page_token(admin, "/staff")})
    assert "cannot deactivate your own account" in admin.get("/staff").text
    with session_scope(db_url) as session:
        assert session.scalar(select(StaffUser).where(StaffUser.username == "ada")).active


# ---------------------------------------------------------------- sign-in, sessions, cookies

def test_wrong_password_and_unknown_user_get_the_same_answer(app):
    wrong = sign_in(new_client(app), "sam", "not the password at all")
    unknown = sign_in(new_client(app), "nobody", "not the password at all")
    assert wrong.status_code == unknown.status_code == 401
    assert "do not match an active account" in wrong.text and "do not match an active account" in unknown.text


def test_sign_in_returns_to_the_requested_page_but_never_off_site(app, db_url):
    add_request(db_url, "R-1")
    client = new_client(app)
    token = csrf_from(client.get("/signin?next=/requests/R-1").text)
    response = client.post("/signin", data={"username": "sam", "password": PASSWORDS["sam"],
                                            "csrf_token": token, "next": "/requests/R-1"})
    assert response.headers["location"] == "/requests/R-1"
    other = new_client(app)
    token = csrf_from(other.get("/signin").text)
    response = other.post("/signin", data={"username": "sam", "password": PASSWORDS["sam"],
                                           "csrf_token": token, "next": "//evil.example/x"})
    assert response.headers["location"] == "/"


def test_sign_in_is_rate_limited_per_username_and_address(app, clock):
    client = new_client(app)
    for _ in range(5):
        assert sign_in(client, "sam", "wrong password here").status_code == 401
    blocked = sign_in(client, "sam")  # even the right password waits
    assert blocked.status_code == 429
    assert "Too many failed attempts" in blocked.text and "15 minutes" in blocked.text
    assert sign_in(new_client(app), "ada").status_code == 303  # another account is not locked out
    pauses = [a for a in audit_actions(app.state.database_url) if a[3].startswith("5 failures")]
    assert pauses == [("sam", "sign_in_failed", None, "5 failures: sign-in paused for 15 minutes")]
    clock.now += 15 * 60 + 1
    assert sign_in(client, "sam").status_code == 303


def test_cookies_are_httponly_samesite_strict_and_secure_outside_development(db_url):
    dev = create_app(db_url, SecurityConfig("k" * 48, secure_cookies=False))
    cookie = sign_in(new_client(dev), "sam").headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" not in cookie
    production = create_app(db_url, SecurityConfig("k" * 48, secure_cookies=True))
    client = TestClient(production, base_url="https://testserver", follow_redirects=False)
    response = sign_in(client, "sam")
    assert response.status_code == 303
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" in cookie
    assert "max-age=28800" in cookie  # 8 hours at most
    assert "strict-transport-security" in response.headers


def test_session_ends_after_30_idle_minutes(app, monkeypatch):
    now = [1_700_000_000.0]
    monkeypatch.setattr(auth.time, "time", lambda: now[0])
    client = signed_in(app, "sam")
    now[0] += 29 * 60
    assert client.get("/").status_code == 200  # activity restarts the idle timer
    now[0] += 29 * 60
    assert client.get("/").status_code == 200
    now[0] += 31 * 60
    response = client.get("/requests/R-9?x=1")
    assert response.status_code == 303 and response.headers["location"] == "/signin?next=%2Frequests%2FR-9%3Fx%3D1"
    assert "Your session ended" in client.get(response.headers["location"]).text


def test_session_ends_8_hours_after_sign_in_even_when_busy(app, monkeypatch):
    now = [1_700_000_000.0]
    monkeypatch.setattr(auth.time, "time", lambda: now[0])
    client = signed_in(app, "sam")
    for _ in range(16):  # a request every 25 minutes for 6h40m
        now[0] += 25 * 60
        assert client.get("/").status_code == 200
    now[0] += 5 * 25 * 60  # passes 8 hours
    assert client.get("/").status_code == 303


def test_session_policy_defaults():
    assert SessionPolicy().absolute_seconds == 8 * 3600 and SessionPolicy().idle_seconds == 30 * 60


def test_every_page_sends_security_headers_and_no_store(app, db_url):
    add_request(db_url, "R-1")
    client = signed_in(app, "sam")
    for path in ("/", "/requests/R-1", "/signin"):
        headers = client.get(path).headers
        assert headers["x-frame-options"] == "DENY"
        assert headers["cache-control"] == "no-store"
        csp = headers["content-security-policy"]
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp and "http" not in csp
        assert headers["x-content-type-options"] == "nosniff"
    css = client.get("/static/dashboard.css")
    assert css.status_code == 200 and "no-store" not in css.headers.get("cache-control", "")


def test_pages_use_no_inline_styles_or_scripts_so_the_csp_holds(app, db_url):
    add_request(db_url, "R-1")
    client = signed_in(app, "ada")
    for path in ("/", "/requests/R-1", "/audit", "/staff", "/signin"):
        html = client.get(path).text
        assert "<script" not in html and "style=" not in html and "<style" not in html, path


# ---------------------------------------------------------------- CSRF

@pytest.mark.parametrize("token", [None, "", "forged-token-value"])
def test_posts_without_the_sessions_csrf_token_are_rejected(app, db_url, token):
    add_request(db_url, "R-1")
    client = signed_in(app, "ada")
    data = {"to_status": "contacted", "note": "x"}
    if token is not None:
        data["csrf_token"] = token
    response = client.post("/requests/R-1/status", data=data)
    assert response.status_code == 403 and "expired" in response.text
    with session_scope(db_url) as session:
        assert session.scalar(select(ConsultationRequest)).status == "new"
        assert session.scalar(select(StatusChange)) is None


def test_a_token_from_another_session_is_rejected(app, db_url):
    add_request(db_url, "R-1")
    attacker = signed_in(app, "sam")
    stolen = page_token(attacker)
    victim = signed_in(app, "ada")
    response = victim.post("/requests/R-1/erase", data={"confirm_reference": "R-1", "csrf_token": stolen})
    assert response.status_code == 403


def test_sign_in_form_itself_needs_the_token(app):
    client = new_client(app)
    client.get("/signin")
    response = client.post("/signin", data={"username": "sam", "password": PASSWORDS["sam"]})
    assert response.status_code == 403


def test_csrf_token_is_also_accepted_as_a_header(app, db_url):
    add_request(db_url, "R-1")
    client = signed_in(app, "sam")
    response = client.post("/requests/R-1/status", data={"to_status": "contacted"},
                           headers={"X-CSRF-Token": page_token(client)})
    assert response.status_code == 303


# ---------------------------------------------------------------- escaping

def test_what_patients_typed_is_shown_as_text_never_run(app, db_url):
    add_request(db_url, "R-X", name=XSS_NAME, concerns='"><img src=x onerror=alert(2)>',
                answers=[("cold_sores", "Cold sores?", "<b>yes</b><script>alert(3)</script>", True, "info", None)])
    client = signed_in(app, "sam")
    for html in (client.get("/").text, client.get("/requests/R-X").text, client.post("/", data={"q": "<script>", "csrf_token": page_token(client)}).text):
        assert "<script>alert" not in html and "<img src=x" not in html
    detail = client.get("/requests/R-X").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in detail
    assert "&lt;b&gt;yes&lt;/b&gt;" in detail and "&#34;&gt;&lt;img src=x onerror=alert(2)&gt;" in detail


# ---------------------------------------------------------------- list, filters, search

def test_list_is_newest_first_with_outcome_status_channel_and_date(app, db_url):
    base = datetime(2025, 3, 10, 9, 0, tzinfo=timezone.utc)
    add_request(db_url, "R-OLD", name="Old Patient", created_at=base)
    add_request(db_url, "R-NEW", name="New Patient", created_at=base + timedelta(days=2),
                outcome="needs_review", channel="telegram")
    html = signed_in(app, "sam").get("/").text
    assert html.index("R-NEW") < html.index("R-OLD")
    assert "Needs review" in html and "Telegram" in html and "2025-03-12 09:00" in html
    assert "row-needs_review" in html and "1 open need review" in html


def test_filters_by_outcome_status_and_date(app, db_url):
    add_request(db_url, "R-A", outcome="needs_review", created_at=datetime(2025, 1, 5, 12, tzinfo=timezone.utc))
    add_request(db_url, "R-B", outcome="deferred", status="contacted",
                created_at=datetime(2025, 2, 5, 12, tzinfo=timezone.utc))
    add_request(db_url, "R-C", outcome="eligible", created_at=datetime(2025, 3, 5, 12, tzinfo=timezone.utc))
    client = signed_in(app, "sam")

    def shown(query: str) -> set[str]:
        return set(re.findall(r'class="ref" href="/requests/(R-[A-Z])"', client.get("/?" + query).text))

    assert shown("") == {"R-A", "R-B", "R-C"}
    assert shown("outcome=needs_review") == {"R-A"}
    assert shown("outcome=deferred") == {"R-B"}
    assert shown("status=contacted") == {"R-B"}
    assert shown("from=2025-02-01") == {"R-B", "R-C"}
    assert shown("from=2025-02-01&to=2025-02-28") == {"R-B"}
    assert shown("to=2025-01-05") == {"R-A"}  # the 'to' day is included
    page = client.get("/?outcome=bogus&from=yesterday").text
    assert "Unknown outcome ignored" in page and "not understood" in page


@pytest.mark.parametrize("query,expected", [
    ("maria", {"R-1"}), ("LOPEZ", {"R-1"}), ("john@", {"R-2"}), ("R-2", {"R-2"}),
    ("07700 900123", {"R-1"}), ("+44 7700 900123", {"R-1"}), ("900999", {"R-2"}), ("nobody", set()),
    ("100%", set()),
])
def test_search_by_name_phone_email_or_reference(app, db_url, query, expected):
    add_request(db_url, "R-1")
    add_request(db_url, "R-2", name="John Smith", phone="+447700900999", email="john@example.org")
    client = signed_in(app, "sam")
    html = client.post("/", data={"q": query, "csrf_token": page_token(client)}).text
    assert set(re.findall(r'class="ref" href="/requests/(R-\d)"', html)) == expected


def test_list_pages_after_fifty(app, db_url):
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    for number in range(55):
        add_request(db_url, f"R-{number:03d}", created_at=start + timedelta(hours=number), answers=[])
    client = signed_in(app, "sam")
    first = client.get("/").text
    assert "55 requests, page 1 of 2" in first and "R-054" in first and "R-004" not in first
    second = client.get("/?page=2").text
    assert "R-004" in second and "R-000" in second and "R-054" not in second


# ---------------------------------------------------------------- detail and workflow

def test_detail_shows_contact_answers_with_levels_notes_consent_and_channel(app, db_url):
    add_request(db_url, "R-1", channel="telegram")
    html = signed_in(app, "sam").get("/requests/R-1").text
    for expected in ("Maria Lopez", "+447700900123", "maria@example.org", "acne scars on cheeks",
                     "weekday mornings", "takes vitamin D", "Telegram", "Phone call", "Consent given",
                     "yes I take warfarin daily", "Which medicine, and who prescribed it?",
                     "no, not pregnant", "1980-05-17"):
        assert expected in html, expected
    assert 'class="flagged answer-review"' in html  # the review-level answer stands out



def test_detail_shows_when_consent_was_given_to_which_text_with_the_text_viewable(app, db_url):
    shown = "Your answers are seen only by Test Clinic's staff.\nDo you agree? <b>yes</b>"
    remember_consent_text(db_url, consent_version(shown), shown)
    given = datetime(2025, 11, 23, 10, 30, tzinfo=timezone.utc)
    add_request(db_url, "R-1", consent_at=given, consent_version=consent_version(shown))
    add_request(db_url, "R-OLD", consent_at=given)  # stored before consent versions existed
    client = signed_in(app, "sam")
    html = client.get("/requests/R-1").text
    assert f'2025-11-23 10:30 to text version <code class="consent-version">{consent_version(shown)}</code>' in html
    assert '<details class="consent-text"><summary>Show the text agreed to</summary>' in html
    assert "Do you agree? &lt;b&gt;yes&lt;/b&gt;" in html  # the exact words, escaped
    old = client.get("/requests/R-OLD").text
    assert "2025-11-23 10:30; text version <em>not recorded</em>" in old and "consent-text" not in old

def test_status_moves_through_the_workflow_recording_who_when_and_the_note(app, db_url):
    add_request(db_url, "R-1")
    client = signed_in(app, "sam")
    token = page_token(client)
    client.post("/requests/R-1/status", data={"to_status": "contacted", "note": "Left a voicemail", "csrf_token": token})
    client.post("/requests/R-1/status", data={"to_status": "booked", "note": "Tue 10:00", "csrf_token": token})
    page = client.get("/requests/R-1").text
    assert "Saved: status is now booked" in page and "Left a voicemail" in page and "Tue 10:00" in page
    with session_scope(db_url) as session:
        changes = session.scalars(select(StatusChange).order_by(StatusChange.id)).all()
        assert [(c.from_status, c.to_status, c.changed_by, c.note) for c in changes] == [
            ("new", "contacted", "sam", "Left a voicemail"), ("contacted", "booked", "sam", "Tue 10:00")]
        assert all(c.changed_at is not None for c in changes)
    status_entries = [a for a in audit_actions(db_url) if a[1] == "status_change"]
    assert [a[3] for a in status_entries] == ["new -> contacted with note", "contacted -> booked with note"]
    assert not any("voicemail" in a[3] for a in audit_actions(db_url))  # notes stay out of the audit detail


def test_a_skipped_step_or_empty_change_is_refused_with_a_clear_message(app, db_url):
    add_request(db_url, "R-1")
    client = signed_in(app, "sam")
    token = page_token(client)
    client.post("/requests/R-1/status", data={"to_status": "booked", "csrf_token": token})
    assert "cannot become booked" in client.get("/requests/R-1").text
    client.post("/requests/R-1/status", data={"to_status": "new", "note": "  ", "csrf_token": token})
    assert "Choose a new status or write a note" in client.get("/requests/R-1").text
    client.post("/requests/R-1/status", data={"to_status": "new", "note": "Asked for a callback", "csrf_token": token})
    with session_scope(db_url) as session:
        assert session.scalar(select(ConsultationRequest)).status == "new"
        assert [c.note for c in session.scalars(select(StatusChange))] == ["Asked for a callback"]


# ---------------------------------------------------------------- export

def test_export_is_the_filtered_list_as_csv_and_neutralises_formulas(app, db_url):
    add_request(db_url, "R-1", outcome="needs_review", name="=HYPERLINK(\"http://x\")")
    add_request(db_url, "R-2", outcome="eligible", name="John Smith")
    client = signed_in(app, "ada")
    response = client.post("/export.csv", data={"outcome": "needs_review", "q": "hyperlink",
                                                "csrf_token": page_token(client)})
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [row["reference"] for row in rows] == ["R-1"]
    assert rows[0]["name"].startswith("'=") and rows[0]["outcome"] == "needs_review"
    export_entry = [a for a in audit_actions(db_url) if a[1] == "export"][-1]
    assert export_entry[0] == "ada" and export_entry[3] == "1 requests; outcome=needs_review, search=yes"


# ---------------------------------------------------------------- erasure

def _text_values_in_database(url: str) -> list[tuple[str, str, str]]:
    """Every non-empty value of every text column of every table, read with raw SQL."""
    engine = engine_for(url)
    found = []
    with engine.connect() as connection:
        inspector = inspect(connection)
        for table in inspector.get_table_names():
            for column in inspector.get_columns(table):
                if isinstance(column["type"], (String, Text)):
                    for (value,) in connection.execute(text(f'SELECT "{column["name"]}" FROM "{table}"')):
                        if value:
                            found.append((table, column["name"], str(value)))
    return found


def test_erasure_leaves_no_personal_value_anywhere_in_the_database(app, db_url):
    personal = {
        "name": "Zelda Quixote", "phone": "+447700900777", "email": "zelda.q@example.org",
        "concerns": "deep rolling scars left cheek", "preferred_time": "Thursday after 5pm",
        "health_notes": "allergic to penicillin", "conversation_id": "telegram-99887766",
        "treatment_areas": "face and neck",
    }
    add_request(db_url, "R-ERASE", answers=[
        ("isotretinoin", "Isotretinoin?", "stopped roaccutane in march", True, "review", "When exactly?")],
        **personal)
    add_request(db_url, "R-KEEP", name="Other Patient", answers=[])
    client = signed_in(app, "ada")
    token = page_token(client)
    client.post("/requests/R-ERASE/status", data={"to_status": "contacted", "note": "Zelda asked about scars",
                                                  "csrf_token": token})
    wrong = client.post("/requests/R-ERASE/erase", data={"confirm_reference": "R-KEPT", "csrf_token": token})
    assert wrong.status_code == 303 and "Nothing was erased" in client.get("/requests/R-ERASE").text

    response = client.post("/requests/R-ERASE/erase", data={"confirm_reference": "R-ERASE", "csrf_token": token})
    assert response.status_code == 303

    leftovers = [(table, column, value) for table, column, value in _text_values_in_database(db_url)
                 if any(secret.lower() in value.lower()
                        for secret in [*personal.values(), "roaccutane", "When exactly", "Zelda", "99887766"])]
    assert leftovers == []
    with session_scope(db_url) as session:
        erased = session.scalar(select(ConsultationRequest).where(ConsultationRequest.reference == "R-ERASE"))
        assert erased.erased_at is not None and erased.status == "closed"
        assert (erased.reference, erased.outcome, erased.channel) == ("R-ERASE", "eligible", "web")
        assert erased.created_at is not None and erased.date_of_birth is None and erased.age is None
        assert session.scalars(select(ScreeningAnswer).where(ScreeningAnswer.request_id == erased.id)).all() == []
        kept = session.scalar(select(ConsultationRequest).where(ConsultationRequest.reference == "R-KEEP"))
        assert kept.name == "Other Patient"
    assert ("ada", "erase", "R-ERASE", "personal data erased on the patient's request") in audit_actions(db_url)
    page = client.get("/requests/R-ERASE").text
    assert "Personal data was erased" in page and "Erase personal data" not in page
    assert client.post("/", data={"q": "Zelda", "csrf_token": token}).text.count('class="ref"') == 0
    blocked = client.post("/requests/R-ERASE/status", data={"to_status": "new", "note": "x", "csrf_token": token})
    assert blocked.status_code == 303 and "can no longer change" in client.get("/requests/R-ERASE").text


# ---------------------------------------------------------------- audit log and logs

def test_erasure_also_deletes_the_requests_conversation_from_the_tracker_store(db_url, clock, tmp_path):
    tracker = make_tracker_db(tmp_path / "tracker.db", [
        ("web-conv-R-ERASE", "user", datetime.now(timezone.utc)), ("web-conv-R-KEEP", "user", datetime.now(timezone.utc))])
    add_request(db_url, "R-ERASE")
    app = create_app(db_url, SecurityConfig(secret_key="x" * 48, secure_cookies=False),
                     limiter=SignInLimiter(clock=clock), tracker_store_url=tracker)
    client = signed_in(app, "ada")
    client.post("/requests/R-ERASE/erase", data={"confirm_reference": "R-ERASE", "csrf_token": page_token(client)})
    assert senders_in(tracker) == {"web-conv-R-KEEP"}


def test_audit_log_records_sign_ins_views_changes_exports_and_erasures(app, db_url):
    add_request(db_url, "R-1")
    sign_in(new_client(app), "sam", "a wrong password!")
    client = signed_in(app, "ada")
    client.get("/requests/R-1")
    token = page_token(client)
    client.post("/requests/R-1/status", data={"to_status": "contacted", "csrf_token": token})
    client.post("/export.csv", data={"csrf_token": token})
    client.post("/requests/R-1/erase", data={"confirm_reference": "R-1", "csrf_token": token})
    page = client.get("/audit").text
    actions = [a[1] for a in audit_actions(db_url)]
    for action in ("sign_in_failed", "sign_in", "view", "status_change", "export", "erase", "account_change"):
        assert action in actions
        assert action.replace("_", " ") in page
    assert client.get("/audit?action=erase").text.count("action-erase") == 1
    client.post("/signout", data={"csrf_token": token})
    assert audit_actions(db_url)[-1][:2] == ("ada", "sign_out")


def test_no_health_or_contact_data_reaches_the_logs(app, db_url, caplog):
    add_request(db_url, "R-1")
    caplog.set_level(logging.DEBUG)
    client = signed_in(app, "ada")
    client.post("/", data={"q": "Maria Lopez", "csrf_token": page_token(client)})
    client.get("/requests/R-1")
    token = page_token(client)
    client.post("/requests/R-1/status", data={"to_status": "contacted", "note": "warfarin discussed", "csrf_token": token})
    client.post("/export.csv", data={"q": "maria", "csrf_token": token})
    client.post("/requests/R-1/erase", data={"confirm_reference": "R-1", "csrf_token": token})
    # Only what the server side logs; httpx here is the test's own client.
    logged = "\n".join(record.getMessage() for record in caplog.records
                       if not record.name.startswith(("httpx", "httpcore", "asyncio"))).lower()
    assert "r-1" in logged  # the request is logged, by reference
    for secret in ("maria", "lopez", "7700900123", "example.org", "warfarin", "acne", "vitamin"):
        assert secret not in logged, secret


def test_staff_read_contact_methods_and_channels_in_words_not_raw_values(app, db_url):
    add_request(db_url, "R-WORDS", preferred_contact="sms", channel="telegram")
    page = signed_in(app, "sam").get("/requests/R-WORDS").text
    assert "<dd>Text message</dd>" in page and "<dd>Telegram</dd>" in page
    assert "<dd>sms</dd>" not in page
