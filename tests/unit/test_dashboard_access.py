"""The dashboard over HTTP: who may do what. Signed-out visitors are sent to sign in, staff
use the request pages but not the admin ones, admins use every route."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.dashboard.models import StaffUser
from bot.db.base import session_scope
from bot.db.models import ConsultationRequest
from tests.support.dashboard_client import csrf_from, new_client, page_token, signed_in
from tests.support.dashboard_db import db_url, template_db  # noqa: F401  (fixtures)
from tests.support.dashboard_http import add_request, app, clock  # noqa: F401  (fixtures)

GET_PAGES = ["/", "/requests/R-1", "/audit", "/staff"]


@pytest.mark.parametrize("path", GET_PAGES)
def test_signed_out_pages_redirect_to_sign_in_and_remember_the_page(app, db_url, path):
    add_request(db_url, "R-1")
    response = new_client(app).get(path)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/signin?next=")


@pytest.mark.parametrize(
    "path,data",
    [
        ("/requests/R-1/status", {"to_status": "contacted"}),
        ("/requests/R-1/erase", {"confirm_reference": "R-1"}),
        ("/export.csv", {}),
        ("/staff/sam", {"change": "deactivate"}),
        ("/signout", {}),
    ],
)
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
