"""Patient data goes only where it should: erasure leaves no personal value in any table nor the
conversation in the tracker store, and the server's logs never carry health or contact data."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from sqlalchemy import inspect, select, text
from sqlalchemy.types import String, Text

from bot.dashboard.app import create_app
from bot.dashboard.auth import SignInLimiter
from bot.dashboard.security import SecurityConfig
from bot.db.base import engine_for, session_scope
from bot.db.models import ConsultationRequest, ScreeningAnswer
from tests.support.dashboard_client import audit_entries, page_token, signed_in
from tests.support.dashboard_db import db_url, template_db  # noqa: F401  (fixtures)
from tests.support.dashboard_http import add_request, app, clock  # noqa: F401  (fixtures)
from tests.support.tracker_db import make_tracker_db, senders_in

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
        "name": "Zelda Quixote",
        "phone": "+447700900777",
        "email": "zelda.q@example.org",
        "concerns": "deep rolling scars left cheek",
        "preferred_time": "Thursday after 5pm",
        "health_notes": "allergic to penicillin",
        "conversation_id": "telegram-99887766",
    }
    add_request(
        db_url,
        "R-ERASE",
        answers=[("isotretinoin", "Isotretinoin?", "stopped roaccutane in march", True, "review", "When exactly?")],
        **personal,
    )
    add_request(db_url, "R-KEEP", name="Other Patient", answers=[])
    client = signed_in(app, "ada")
    token = page_token(client)
    client.post(
        "/requests/R-ERASE/status",
        data={"to_status": "contacted", "note": "Zelda asked about scars", "csrf_token": token},
    )
    wrong = client.post("/requests/R-ERASE/erase", data={"confirm_reference": "R-KEPT", "csrf_token": token})
    assert wrong.status_code == 303 and "Nothing was erased" in client.get("/requests/R-ERASE").text

    response = client.post("/requests/R-ERASE/erase", data={"confirm_reference": "R-ERASE", "csrf_token": token})
    assert response.status_code == 303

    leftovers = [
        (table, column, value)
        for table, column, value in _text_values_in_database(db_url)
        if any(
            secret.lower() in value.lower()
            for secret in [*personal.values(), "roaccutane", "When exactly", "Zelda", "99887766"]
        )
    ]
    assert leftovers == []
    with session_scope(db_url) as session:
        erased = session.scalar(select(ConsultationRequest).where(ConsultationRequest.reference == "R-ERASE"))
        assert erased.erased_at is not None and erased.status == "closed"
        assert (erased.reference, erased.outcome, erased.channel) == ("R-ERASE", "eligible", "web")
        assert erased.created_at is not None and erased.date_of_birth is None and erased.age is None
        assert session.scalars(select(ScreeningAnswer).where(ScreeningAnswer.request_id == erased.id)).all() == []
        kept = session.scalar(select(ConsultationRequest).where(ConsultationRequest.reference == "R-KEEP"))
        assert kept.name == "Other Patient"
    assert ("ada", "erase", "R-ERASE", "personal data erased on the patient's request") in audit_entries(db_url)
    page = client.get("/requests/R-ERASE").text
    assert "Personal data was erased" in page and "Erase personal data" not in page
    assert client.post("/", data={"q": "Zelda", "csrf_token": token}).text.count('class="ref"') == 0
    blocked = client.post("/requests/R-ERASE/status", data={"to_status": "new", "note": "x", "csrf_token": token})
    assert blocked.status_code == 303 and "can no longer change" in client.get("/requests/R-ERASE").text


def test_erasure_also_deletes_the_requests_conversation_from_the_tracker_store(db_url, clock, tmp_path):
    tracker = make_tracker_db(
        tmp_path / "tracker.db",
        [
            ("web-conv-R-ERASE", "user", datetime.now(timezone.utc)),
            ("web-conv-R-KEEP", "user", datetime.now(timezone.utc)),
        ],
    )
    add_request(db_url, "R-ERASE")
    app = create_app(
        db_url,
        SecurityConfig(secret_key="x" * 48, secure_cookies=False),
        limiter=SignInLimiter(clock=clock),
        tracker_store_url=tracker,
    )
    client = signed_in(app, "ada")
    client.post("/requests/R-ERASE/erase", data={"confirm_reference": "R-ERASE", "csrf_token": page_token(client)})
    assert senders_in(tracker) == {"web-conv-R-KEEP"}


# ---------------------------------------------------------------- logs


def test_no_health_or_contact_data_reaches_the_logs(app, db_url, caplog):
    add_request(db_url, "R-1")
    caplog.set_level(logging.DEBUG)
    client = signed_in(app, "ada")
    client.post("/", data={"q": "Maria Lopez", "csrf_token": page_token(client)})
    client.get("/requests/R-1")
    token = page_token(client)
    client.post(
        "/requests/R-1/status", data={"to_status": "contacted", "note": "warfarin discussed", "csrf_token": token}
    )
    client.post("/export.csv", data={"q": "maria", "csrf_token": token})
    client.post("/requests/R-1/erase", data={"confirm_reference": "R-1", "csrf_token": token})
    # Only what the server side logs; httpx here is the test's own client.
    logged = "\n".join(
        record.getMessage() for record in caplog.records if not record.name.startswith(("httpx", "httpcore", "asyncio"))
    ).lower()
    assert "r-1" in logged  # the request is logged, by reference
    for secret in ("maria", "lopez", "7700900123", "example.org", "warfarin", "acne", "vitamin"):
        assert secret not in logged, secret
