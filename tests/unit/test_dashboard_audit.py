"""Audit completeness: list views (with the filter names, never a search term), searches (posted,
never in an address), the callback list, refused requests (role, CSRF), failed sign-ins credited only
to accounts that exist, and `make staff-add` credited to the operating-system user."""

from __future__ import annotations

import io
import logging
import os
import pwd
import re
import sys
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.dashboard import cli
from bot.dashboard.models import AuditEvent
from bot.db.base import session_scope
from bot.db.callbacks import CallbackSubmission, save_callback
from bot.db.models import ConsultationRequest
from tests.support.dashboard_client import (
    audit_entries,
    make_app,
    new_client,
    page_token,
    session_cookie,
    sign_in,
    signed_in,
)
from tests.support.dashboard_db import db_url, template_db  # noqa: F401  (fixtures)


@pytest.fixture
def app(db_url):
    return make_app(db_url)


def add_request(url: str, reference: str, name: str = "Maria Lopez", outcome: str = "eligible", **extra) -> None:
    with session_scope(url) as session:
        session.add(
            ConsultationRequest(
                reference=reference,
                idempotency_key=f"key-{reference}",
                channel="web",
                name=name,
                conversation_id=f"web-{reference}",
                phone="+447700900123",
                preferred_contact="phone",
                concerns="acne scars",
                outcome=outcome,
                consent_at=datetime.now(timezone.utc),
                status="new",
                created_at=extra.pop("created_at", datetime.now(timezone.utc)),
                **extra,
            )
        )


def last(url: str, action: str):
    return [entry for entry in audit_entries(url) if entry[1] == action][-1]


def test_the_request_list_is_audited_with_its_filters(app, db_url):
    add_request(db_url, "R-1", outcome="needs_review")
    add_request(db_url, "R-2")
    client = signed_in(app, "sam")
    client.get("/")
    assert last(db_url, "list") == ("sam", "list", None, "requests: 2 matching; no filters")
    client.get("/?outcome=needs_review&status=new&page=1")
    assert last(db_url, "list") == ("sam", "list", None, "requests: 1 matching; outcome=needs_review, status=new")


def test_a_search_is_posted_audited_as_a_search_and_its_words_are_nowhere(app, db_url, caplog):
    caplog.set_level(logging.INFO)
    add_request(db_url, "R-1")
    client = signed_in(app, "sam")
    page = client.get("/").text
    assert '<form method="post" action="/" class="filters card" role="search">' in page
    html = client.post("/", data={"q": "Maria", "outcome": "eligible", "csrf_token": page_token(client)}).text
    assert 'href="/requests/R-1"' in html and 'value="Maria"' in html  # the form keeps the term
    assert last(db_url, "search") == ("sam", "search", None, "requests: 1 matching; outcome=eligible, search=yes")
    assert "maria" not in str(audit_entries(db_url)).lower()
    assert not any("maria" in record.getMessage().lower() for record in caplog.records if record.name.startswith("bot"))


def test_a_search_in_the_address_is_ignored(app, db_url):
    add_request(db_url, "R-1")
    add_request(db_url, "R-2", name="John Smith")
    html = signed_in(app, "sam").get("/?q=John").text
    assert 'href="/requests/R-1"' in html and 'href="/requests/R-2"' in html
    assert last(db_url, "list")[3] == "requests: 2 matching; no filters"


def test_pages_of_a_search_are_posted_so_the_term_never_becomes_a_link(app, db_url):
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    for number in range(55):
        add_request(db_url, f"R-{number:03d}", created_at=start + timedelta(hours=number))
    client = signed_in(app, "sam")
    first = client.post("/", data={"q": "maria", "csrf_token": page_token(client)}).text
    assert "page 1 of 2" in first and "q=" not in first.replace('name="q"', "")
    assert re.search(r'<input type="hidden" name="page" value="2">', first)
    second = client.post("/", data={"q": "maria", "page": "2", "csrf_token": page_token(client)}).text
    assert "page 2 of 2" in second and "R-000" in second
    assert 'href="?page=2"' in client.get("/").text  # without a search, pages stay links


def test_the_callback_list_and_admin_lists_are_audited(app, db_url):
    save_callback(
        db_url,
        CallbackSubmission(
            idempotency_key="telegram-1:callback:1",
            channel="telegram",
            conversation_id="telegram-1",
            name="Tom Reed",
            phone="+447700900987",
            preferred_time="after 5pm",
            consent_at=datetime.now(timezone.utc),
        ),
    )
    admin = signed_in(app, "ada")
    admin.get("/callbacks")
    assert last(db_url, "list") == ("ada", "list", None, "callbacks: 1 waiting, 0 done shown")
    admin.get("/audit?action=erase")
    assert last(db_url, "list") == ("ada", "list", None, "audit log: erase")
    admin.get("/staff")
    assert last(db_url, "list") == ("ada", "list", None, "staff accounts")
    assert "Tom" not in str(audit_entries(db_url))


def test_refused_requests_are_audited_role_and_csrf(app, db_url):
    add_request(db_url, "R-1")
    staff = signed_in(app, "sam")
    assert staff.get("/audit").status_code == 403
    assert last(db_url, "refused") == ("sam", "refused", None, "admins only: GET /audit")
    token = page_token(staff)
    staff.post("/requests/R-1/erase", data={"confirm_reference": "R-1", "csrf_token": token})
    assert last(db_url, "refused") == ("sam", "refused", None, "admins only: POST /requests/R-1/erase")
    assert (
        staff.post("/requests/R-1/status", data={"to_status": "contacted", "csrf_token": "forged"}).status_code == 403
    )
    assert last(db_url, "refused") == ("sam", "refused", None, "form token missing or wrong: POST /requests/R-1/status")
    before = len(audit_entries(db_url))
    anonymous = new_client(app)
    assert anonymous.post("/signin", data={"username": "x", "password": "y"}).status_code == 403
    assert len(audit_entries(db_url)) == before  # anonymous refusals are not written (log only)
    assert "refused" in signed_in(app, "ada").get("/audit?action=refused").text
    # A copy of a session that has since been signed out names nobody either.
    copied = new_client(app, session_cookie(staff))
    staff.post("/signout", data={"csrf_token": page_token(staff)})
    before = len(audit_entries(db_url))
    assert copied.post("/requests/R-1/status", data={"to_status": "contacted", "csrf_token": "x"}).status_code == 403
    assert len(audit_entries(db_url)) == before


def test_failed_sign_ins_name_only_accounts_that_exist(app, db_url):
    sign_in(new_client(app), "Maria.Lopez 07700", "whatever was typed")
    sign_in(new_client(app), "sam", "wrong password here")
    with session_scope(db_url) as session:
        failed = [
            (e.actor, e.detail)
            for e in session.scalars(
                select(AuditEvent).where(AuditEvent.action == "sign_in_failed").order_by(AuditEvent.id)
            )
        ]
    assert failed == [("(unknown account)", ""), ("sam", "wrong password")]
    assert "maria" not in str(audit_entries(db_url)).lower()


def test_cli_audit_names_the_operating_system_user_not_the_new_accounts_name(db_url, monkeypatch):
    """`make staff-add USERNAME=newbie` puts USERNAME=newbie in the environment of the command."""
    for name in ("LOGNAME", "USER", "LNAME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("USERNAME", "newbie")

    def no_terminal():
        raise OSError("no controlling terminal")

    monkeypatch.setattr(os, "getlogin", no_terminal)
    monkeypatch.setattr(sys, "stdin", io.StringIO("copper kettle morning 9\n"))
    assert cli.main(["--database-url", db_url, "add-staff", "--username", "newbie", "--password-stdin"]) == 0
    me = pwd.getpwuid(os.getuid()).pw_name
    assert last(db_url, "account_change") == (f"cli:{me}", "account_change", None, "created newbie (staff)")


def test_cli_audit_names_the_person_behind_sudo(monkeypatch):
    monkeypatch.setattr(os, "getlogin", lambda: "alex")
    me = pwd.getpwuid(os.getuid()).pw_name
    assert cli.cli_actor() == ("cli:alex" if me == "alex" else f"cli:alex as {me}")
