"""The request pages over HTTP: the list (order, filters, posted search, pages), one request in
full (answers, consent, contact in words) and the status workflow."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.consent import consent_version
from bot.dashboard.models import StatusChange
from bot.db.base import session_scope
from bot.db.consent_texts import remember_consent_text
from bot.db.models import ConsultationRequest
from tests.support.dashboard_client import audit_entries, page_token, signed_in
from tests.support.dashboard_db import db_url, template_db  # noqa: F401  (fixtures)
from tests.support.dashboard_http import add_request, app, clock  # noqa: F401  (fixtures)

# ---------------------------------------------------------------- list, filters, search


def test_list_and_detail_say_each_request_s_language_and_the_list_filters_by_it(app, db_url):
    add_request(db_url, "R-E")
    add_request(db_url, "R-S", language="es", name="Lucía Pérez")
    client = signed_in(app, "sam")

    def shown(query: str) -> set[str]:
        return set(re.findall(r'class="ref" href="/requests/(R-[A-Z])"', client.get("/?" + query).text))

    listed = client.get("/").text
    assert "<th>Language</th>" in listed
    assert '<span lang="es">Español</span>' in listed and '<span lang="en">English</span>' in listed
    assert shown("language=es") == {"R-S"} and shown("language=en") == {"R-E"} and shown("") == {"R-E", "R-S"}
    assert "Unknown language ignored" in client.get("/?language=fr").text and shown("language=fr") == {"R-E", "R-S"}
    # Its pages and the export keep the filter; the audit names it.
    assert '<option value="es" selected>Español</option>' in client.get("/?language=es").text
    assert audit_entries(db_url)[-1][3].endswith("language=es")
    detail = client.get("/requests/R-S").text
    assert '<dt>Language</dt><dd><span lang="es">Español</span></dd>' in detail


def test_list_is_newest_first_with_outcome_status_channel_and_date(app, db_url):
    base = datetime(2025, 3, 10, 9, 0, tzinfo=timezone.utc)
    add_request(db_url, "R-OLD", name="Old Patient", created_at=base)
    add_request(
        db_url,
        "R-NEW",
        name="New Patient",
        created_at=base + timedelta(days=2),
        outcome="needs_review",
        channel="telegram",
    )
    html = signed_in(app, "sam").get("/").text
    assert html.index("R-NEW") < html.index("R-OLD")
    assert "Needs review" in html and "Telegram" in html and "2025-03-12 09:00" in html
    assert "row-needs_review" in html and "1 open need review" in html


def test_filters_by_outcome_status_and_date(app, db_url):
    add_request(db_url, "R-A", outcome="needs_review", created_at=datetime(2025, 1, 5, 12, tzinfo=timezone.utc))
    add_request(
        db_url, "R-B", outcome="deferred", status="contacted", created_at=datetime(2025, 2, 5, 12, tzinfo=timezone.utc)
    )
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


@pytest.mark.parametrize(
    "query,expected",
    [
        ("maria", {"R-1"}),
        ("LOPEZ", {"R-1"}),
        ("john@", {"R-2"}),
        ("R-2", {"R-2"}),
        ("07700 900123", {"R-1"}),
        ("+44 7700 900123", {"R-1"}),
        ("900999", {"R-2"}),
        ("nobody", set()),
        ("100%", set()),
    ],
)
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
    for expected in (
        "Maria Lopez",
        "+447700900123",
        "maria@example.org",
        "acne scars on cheeks",
        "weekday mornings",
        "takes vitamin D",
        "Telegram",
        "Phone call",
        "Consent given",
        "yes I take warfarin daily",
        "Which medicine, and who prescribed it?",
        "no, not pregnant",
        "1980-05-17",
    ):
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


def test_staff_read_contact_methods_and_channels_in_words_not_raw_values(app, db_url):
    add_request(db_url, "R-WORDS", preferred_contact="sms", channel="telegram")
    page = signed_in(app, "sam").get("/requests/R-WORDS").text
    assert "<dd>Text message</dd>" in page and "<dd>Telegram</dd>" in page
    assert "<dd>sms</dd>" not in page


def test_status_moves_through_the_workflow_recording_who_when_and_the_note(app, db_url):
    add_request(db_url, "R-1")
    client = signed_in(app, "sam")
    token = page_token(client)
    client.post(
        "/requests/R-1/status", data={"to_status": "contacted", "note": "Left a voicemail", "csrf_token": token}
    )
    client.post("/requests/R-1/status", data={"to_status": "booked", "note": "Tue 10:00", "csrf_token": token})
    page = client.get("/requests/R-1").text
    assert "Saved: status is now booked" in page and "Left a voicemail" in page and "Tue 10:00" in page
    with session_scope(db_url) as session:
        changes = session.scalars(select(StatusChange).order_by(StatusChange.id)).all()
        assert [(c.from_status, c.to_status, c.changed_by, c.note) for c in changes] == [
            ("new", "contacted", "sam", "Left a voicemail"),
            ("contacted", "booked", "sam", "Tue 10:00"),
        ]
        assert all(c.changed_at is not None for c in changes)
    status_entries = [a for a in audit_entries(db_url) if a[1] == "status_change"]
    assert [a[3] for a in status_entries] == ["new -> contacted with note", "contacted -> booked with note"]
    assert not any("voicemail" in a[3] for a in audit_entries(db_url))  # notes stay out of the audit detail


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
