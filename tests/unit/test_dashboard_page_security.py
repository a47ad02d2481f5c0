"""What keeps the dashboard's pages safe in a browser: security headers and a CSP with no inline
code, CSRF tokens bound to the session, and patients' words shown as text, never run."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.dashboard.models import StatusChange
from bot.db.base import session_scope
from bot.db.models import ConsultationRequest
from tests.support.dashboard_client import new_client, page_token, signed_in
from tests.support.dashboard_db import PASSWORDS, db_url, template_db  # noqa: F401  (fixtures)
from tests.support.dashboard_http import add_request, app, clock  # noqa: F401  (fixtures)

# ---------------------------------------------------------------- headers


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
    response = client.post(
        "/requests/R-1/status", data={"to_status": "contacted"}, headers={"X-CSRF-Token": page_token(client)}
    )
    assert response.status_code == 303


# ---------------------------------------------------------------- escaping

XSS_NAME = "<script>alert(1)</script>"


def test_what_patients_typed_is_shown_as_text_never_run(app, db_url):
    add_request(
        db_url,
        "R-X",
        name=XSS_NAME,
        concerns='"><img src=x onerror=alert(2)>',
        answers=[("cold_sores", "Cold sores?", "<b>yes</b><script>alert(3)</script>", True, "info", None)],
    )
    client = signed_in(app, "sam")
    for html in (
        client.get("/").text,
        client.get("/requests/R-X").text,
        client.post("/", data={"q": "<script>", "csrf_token": page_token(client)}).text,
    ):
        assert "<script>alert" not in html and "<img src=x" not in html
    detail = client.get("/requests/R-X").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in detail
    assert "&lt;b&gt;yes&lt;/b&gt;" in detail and "&#34;&gt;&lt;img src=x onerror=alert(2)&gt;" in detail
