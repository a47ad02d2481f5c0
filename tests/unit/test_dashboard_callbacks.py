"""The Callbacks page over HTTP: who may see it, marking done and reopening (audited), CSRF,
escaping what patients typed, and erasure by an admin only.

Callbacks are stored with the bot's own `save_callback` into a fresh SQLite database upgraded
with the real Alembic migrations."""

from __future__ import annotations

import re
import shutil
from datetime import datetime, timedelta, timezone
from html import unescape

import pytest
from sqlalchemy import select, text, update
from starlette.testclient import TestClient

from bot.consent import consent_version
from bot.dashboard.app import create_app
from bot.dashboard.auth import SignInLimiter
from bot.dashboard.models import AuditEvent
from bot.dashboard.security import SecurityConfig
from bot.db.base import engine_for, session_scope
from bot.db.callbacks import CallbackSubmission, save_callback
from bot.db.models import CallbackRequest
from tests.support.dashboard_db import PASSWORDS, db_url, template_db  # noqa: F401  (fixtures)

XSS = "<script>alert(1)</script>"


@pytest.fixture
def db_url(tmp_path, template_db):
    shutil.copy(template_db, tmp_path / "intake.db")
    url = f"sqlite:///{tmp_path / 'intake.db'}"
    yield url
    engine_for(url).dispose()


@pytest.fixture
def app(db_url):
    security = SecurityConfig(secret_key="x" * 48, secure_cookies=False)
    return create_app(db_url, security, limiter=SignInLimiter(), clinic_name="Test Clinic")


def store(
    url: str,
    key: str,
    name: str = "Maria Lopez",
    phone: str = "+447700900123",
    preferred_time: str = "weekday mornings",
    hours_ago: float = 0,
    language: str = "en",
) -> str:
    saved = save_callback(
        url,
        CallbackSubmission(
            idempotency_key=f"web-{key}:callback:1",
            channel="web",
            conversation_id=f"web-{key}",
            name=name,
            phone=phone,
            preferred_time=preferred_time,
            consent_at=datetime.now(timezone.utc),
            language=language,
        ),
    )
    if hours_ago:
        with session_scope(url) as session:
            session.execute(
                update(CallbackRequest)
                .where(CallbackRequest.reference == saved.reference)
                .values(created_at=datetime.now(timezone.utc) - timedelta(hours=hours_ago))
            )
    return saved.reference


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF field"
    return match.group(1)


def signed_in(app, username: str) -> TestClient:
    client = TestClient(app, follow_redirects=False)
    token = csrf_from(client.get("/signin").text)
    response = client.post(
        "/signin", data={"username": username, "password": PASSWORDS[username], "csrf_token": token, "next": "/"}
    )
    assert response.status_code == 303, response.text
    return client


def callback(url: str, reference: str) -> CallbackRequest:
    with session_scope(url) as session:
        return session.scalar(select(CallbackRequest).where(CallbackRequest.reference == reference))


def audit_entries(url: str) -> list[tuple[str, str, str | None]]:
    """What was done to callbacks (accounts and sign-ins are left out)."""
    with session_scope(url) as session:
        return [
            (e.actor, e.action, e.reference)
            for e in session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action.in_(("callback_done", "callback_reopened", "erase")))
                .order_by(AuditEvent.id)
            )
        ]


def rows_in_order(html: str) -> list[str]:
    return re.findall(r'<tr id="(CB-[A-Z0-9]+)"', html)


# ---------------------------------------------------------------- who may do what


def test_signed_out_visitors_are_sent_to_sign_in_and_cannot_change_anything(app, db_url):
    reference = store(db_url, "a")
    client = TestClient(app, follow_redirects=False)
    response = client.get("/callbacks")
    assert response.status_code == 303 and response.headers["location"] == "/signin?next=%2Fcallbacks"
    for action in ("done", "reopen", "erase"):
        token = csrf_from(client.get("/signin").text)  # a refused post ends the (anonymous) session
        response = client.post(
            f"/callbacks/{reference}/{action}", data={"csrf_token": token, "confirm_reference": reference}
        )
        assert response.status_code == 303 and response.headers["location"].startswith("/signin")
    stored = callback(db_url, reference)
    assert stored.status == "new" and stored.name == "Maria Lopez" and stored.erased_at is None


def test_staff_see_calls_to_make_first_newest_first_with_a_tel_link(app, db_url):
    old_done = store(db_url, "old-done", hours_ago=1)
    old_new = store(db_url, "old-new", hours_ago=30)
    newest = store(db_url, "newest", name="Tom Reed", phone="+447700900999", preferred_time="after 5pm")
    with session_scope(db_url) as session:
        session.execute(update(CallbackRequest).where(CallbackRequest.reference == old_done).values(status="done"))
    client = signed_in(app, "sam")
    page = client.get("/callbacks")
    assert page.status_code == 200
    assert '<a href="/callbacks" aria-current="page">Callbacks</a>' in page.text
    assert rows_in_order(page.text) == [newest, old_new, old_done]
    assert '<a href="tel:+447700900999">+447700900999</a>' in page.text
    assert "Tom Reed" in page.text and "after 5pm" in page.text
    assert page.text.count('class="callback-new"') == 2 and page.text.count('class="callback-done"') == 1
    assert "2 to call" in page.text
    assert "Erase contact details" not in page.text  # admins only


def test_each_callback_shows_which_consent_text_it_agreed_to_and_when(app, db_url):
    shown = "Your number is kept only for this call. Is that okay?"
    saved = save_callback(
        db_url,
        CallbackSubmission(
            idempotency_key="web-v:callback:1",
            channel="web",
            conversation_id="web-v",
            name="Ann Lee",
            phone="+447700900123",
            consent_at=datetime(2025, 11, 23, 10, 30, tzinfo=timezone.utc),
            consent_version=consent_version(shown),
            consent_text=shown,
        ),
    )
    old = store(db_url, "before-versions")
    page = signed_in(app, "sam").get("/callbacks").text
    row = page.split(f'id="{saved.reference}"')[1].split("</tr>")[0]
    assert f'2025-11-23 10:30 to text version <code class="consent-version">{consent_version(shown)}</code>' in row
    assert "Show the text agreed to" in row and shown in row
    assert "text version <em>not recorded</em>" in page.split(f'id="{old}"')[1].split("</tr>")[0]


def test_staff_mark_done_and_reopen_are_recorded_and_audited(app, db_url):
    reference = store(db_url, "a")
    client = signed_in(app, "sam")
    token = csrf_from(client.get("/callbacks").text)
    before = datetime.now(timezone.utc)
    response = client.post(f"/callbacks/{reference}/done", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["location"] == "/callbacks"
    stored = callback(db_url, reference)
    assert stored.status == "done" and stored.handled_by == "sam" and stored.handled_at >= before
    page = client.get("/callbacks").text
    assert f"{reference} marked done." in page and "by sam" in page and "Reopen" in page

    again = client.post(f"/callbacks/{reference}/done", data={"csrf_token": token})
    assert again.status_code == 303
    assert "already marked done by sam" in client.get("/callbacks").text

    assert client.post(f"/callbacks/{reference}/reopen", data={"csrf_token": token}).status_code == 303
    stored = callback(db_url, reference)
    assert stored.status == "new" and stored.handled_by is None and stored.handled_at is None
    assert audit_entries(db_url) == [("sam", "callback_done", reference), ("sam", "callback_reopened", reference)]


def test_posts_without_the_right_csrf_token_are_rejected(app, db_url):
    reference = store(db_url, "a")
    client = signed_in(app, "ada")
    client.get("/callbacks")
    assert client.post(f"/callbacks/{reference}/done", data={}).status_code == 403
    assert client.post(f"/callbacks/{reference}/done", data={"csrf_token": "forged"}).status_code == 403
    assert client.post(f"/callbacks/{reference}/erase", data={"confirm_reference": reference}).status_code == 403
    stored = callback(db_url, reference)
    assert stored.status == "new" and stored.handled_by is None and stored.name == "Maria Lopez"
    assert audit_entries(db_url) == []


def test_what_patients_typed_is_escaped(app, db_url):
    store(db_url, "xss", name=XSS, preferred_time='"><img src=x onerror=alert(2)>')
    page = signed_in(app, "sam").get("/callbacks").text
    assert XSS not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert unescape("&#34;&gt;&lt;img src=x onerror=alert(2)&gt;") in unescape(page)


def test_unknown_reference_gets_a_kind_404(app, db_url):
    client = signed_in(app, "sam")
    token = csrf_from(client.get("/callbacks").text)
    response = client.post("/callbacks/CB-NOPE99/done", data={"csrf_token": token})
    assert response.status_code == 404 and "no callback request with that reference" in response.text


# ---------------------------------------------------------------- erasure


def test_admin_erase_leaves_no_personal_value_in_the_table(app, db_url):
    reference = store(
        db_url, "tg-555", name="Olivia Bennett", phone="+447700900456", preferred_time="Tuesday lunchtime"
    )
    kept = store(db_url, "other", name="Tom Reed")
    client = signed_in(app, "ada")
    page = client.get("/callbacks").text
    assert "Erase contact details" in page
    token = csrf_from(page)

    wrong = client.post(f"/callbacks/{reference}/erase", data={"csrf_token": token, "confirm_reference": "CB-X"})
    assert wrong.status_code == 303 and callback(db_url, reference).name == "Olivia Bennett"

    response = client.post(f"/callbacks/{reference}/erase", data={"csrf_token": token, "confirm_reference": reference})
    assert response.status_code == 303
    with engine_for(db_url).connect() as connection:
        rows = (
            connection.execute(text("SELECT * FROM callback_requests WHERE reference = :r"), {"r": reference})
            .mappings()
            .all()
        )
    [row] = rows
    dump = " ".join(str(value) for value in row.values())
    for personal in ("Olivia", "Bennett", "+447700900456", "900456", "Tuesday", "tg-555"):
        assert personal not in dump, personal
    assert row["erased_at"] is not None and row["status"] == "done" and row["reference"] == reference
    assert callback(db_url, kept).name == "Tom Reed"
    assert ("ada", "erase", reference) in audit_entries(db_url)
    page = client.get("/callbacks").text
    assert "were erased" in page and "Olivia" not in page
    audit_page = client.get("/audit?action=erase").text
    assert f'href="/callbacks#{reference}"' in audit_page


def test_staff_cannot_erase(app, db_url):
    reference = store(db_url, "a")
    client = signed_in(app, "sam")
    token = csrf_from(client.get("/callbacks").text)
    response = client.post(f"/callbacks/{reference}/erase", data={"csrf_token": token, "confirm_reference": reference})
    assert response.status_code == 403
    stored = callback(db_url, reference)
    assert stored.erased_at is None and stored.name == "Maria Lopez" and stored.phone == "+447700900123"
    assert audit_entries(db_url) == []


def test_audit_log_offers_the_callback_actions(app, db_url):
    reference = store(db_url, "a")
    client = signed_in(app, "ada")
    token = csrf_from(client.get("/callbacks").text)
    client.post(f"/callbacks/{reference}/done", data={"csrf_token": token})
    page = client.get("/audit?action=callback_done").text
    assert '<option value="callback_done" selected>' in page and '<option value="callback_reopened"' in page
    assert f'<a href="/callbacks#{reference}">{reference}</a>' in page


def test_an_erased_callback_cannot_be_reopened_and_a_second_erase_changes_nothing(app, db_url):
    reference = store(db_url, "a")
    client = signed_in(app, "ada")
    token = csrf_from(client.get("/callbacks").text)
    form = {"csrf_token": token, "confirm_reference": reference}
    assert client.post(f"/callbacks/{reference}/erase", data=form).status_code == 303
    erased_at = callback(db_url, reference).erased_at
    assert client.post(f"/callbacks/{reference}/erase", data=form).status_code == 303
    assert client.post(f"/callbacks/{reference}/reopen", data={"csrf_token": token}).status_code == 303
    page = client.get("/callbacks").text
    assert "was erased, so there is no one to call back" in page
    assert f'action="/callbacks/{reference}/reopen"' not in page
    stored = callback(db_url, reference)
    assert stored.status == "done" and stored.erased_at == erased_at
    assert [entry for entry in audit_entries(db_url) if entry[1] == "erase"] == [("ada", "erase", reference)]


def test_each_callback_says_which_language_to_call_back_in(app, db_url):
    spanish, english = store(db_url, "lucia", language="es"), store(db_url, "maria")
    html = signed_in(app, "sam").get("/callbacks").text
    assert "<th>Language</th>" in html
    row = {ref: html[html.index(f'<tr id="{ref}"') :].split("</tr>")[0] for ref in (spanish, english)}
    assert '<span lang="es">Español</span>' in row[spanish] and '<span lang="en">English</span>' in row[english]
