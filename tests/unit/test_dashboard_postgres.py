"""The dashboard on PostgreSQL, as a clinic would run it: requests stored by the bot's own
`save_submission`, found by search and filters, moved through the workflow, erased."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.types import String
from starlette.testclient import TestClient

from bot.consultation import IntakeSubmission
from bot.dashboard.accounts import create_account
from bot.dashboard.app import create_app
from bot.dashboard.security import SecurityConfig
from bot.db.base import engine_for, session_scope
from bot.db.consultations import save_submission
from bot.db.migrate import upgrade_to_head
from bot.screening.answers import RuleAnswer
from bot.screening.rules import Level

PASSWORD = "postgres harbour lantern 5"


def submission(key: str, name: str, phone: str, level: Level | None, answer: str) -> IntakeSubmission:
    return IntakeSubmission(
        idempotency_key=key,
        channel="telegram",
        conversation_id=f"telegram-{key}",
        name=name,
        preferred_contact="phone",
        concerns="fine lines around the eyes",
        consent_at=datetime.now(timezone.utc),
        age=44,
        phone=phone,
        email=f"{key}@example.org",
        preferred_time="Friday afternoon",
        health_notes="mild nut allergy",
        answers=(
            RuleAnswer(
                rule_id="blood_thinners",
                answer_text=answer,
                affirmed=True,
                level=level,
                question="Do you take blood thinners?",
            ),
        ),
    )


@pytest.fixture
def dashboard(fresh_postgres_url):
    upgrade_to_head(fresh_postgres_url)
    with session_scope(fresh_postgres_url) as session:
        create_account(session, "ada", "admin", PASSWORD, actor="test")
    app = create_app(fresh_postgres_url, SecurityConfig("p" * 48, secure_cookies=False))
    client = TestClient(app, follow_redirects=False)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/signin").text).group(1)
    assert (
        client.post("/signin", data={"username": "ada", "password": PASSWORD, "csrf_token": token}).status_code == 303
    )
    # Signing in starts a new session with a new token.
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text).group(1)
    yield client, token, fresh_postgres_url
    engine_for(fresh_postgres_url).dispose()


def refs(html: str) -> set[str]:
    return set(re.findall(r'class="ref" href="/requests/([A-Z0-9-]+)"', html))


def test_search_filter_workflow_and_erasure_on_postgresql(dashboard):
    client, token, url = dashboard
    review = save_submission(
        url, submission("k1", "Ines Okafor", "+447700900321", Level.REVIEW, "yes, apixaban twice a day")
    )
    plain = save_submission(url, submission("k2", "Tom Berg", "+447700900654", None, "no"))
    assert review.outcome == "needs_review" and plain.outcome == "eligible"

    assert refs(client.get("/").text) == {review.reference, plain.reference}
    assert refs(client.post("/", data={"q": "OKAFOR", "csrf_token": token}).text) == {review.reference}
    assert refs(client.post("/", data={"q": "07700 900654", "csrf_token": token}).text) == {plain.reference}
    assert refs(client.post("/", data={"q": plain.reference.lower(), "csrf_token": token}).text) == {plain.reference}
    assert refs(client.get("/", params={"outcome": "needs_review"}).text) == {review.reference}
    today = datetime.now(timezone.utc).date().isoformat()
    assert refs(client.get("/", params={"from": today, "to": today}).text) == {review.reference, plain.reference}

    detail = client.get(f"/requests/{review.reference}").text
    assert "yes, apixaban twice a day" in detail and 'class="flagged answer-review"' in detail
    client.post(
        f"/requests/{review.reference}/status",
        data={"to_status": "contacted", "note": "Ines will bring her prescription", "csrf_token": token},
    )
    assert refs(client.get("/", params={"status": "contacted"}).text) == {review.reference}

    client.post(
        f"/requests/{review.reference}/erase", data={"confirm_reference": review.reference, "csrf_token": token}
    )
    secrets = ("Ines Okafor", "Okafor", "900321", "k1@example.org", "apixaban", "prescription", "telegram-k1")
    with engine_for(url).connect() as connection:
        inspector = inspect(connection)
        for table in inspector.get_table_names():
            for column in inspector.get_columns(table):
                if isinstance(column["type"], String):
                    for (value,) in connection.execute(text(f'SELECT "{column["name"]}" FROM "{table}"')):
                        assert not any(s.lower() in str(value or "").lower() for s in secrets), (table, column["name"])
    assert "Tom Berg" in client.get(f"/requests/{plain.reference}").text
