"""The dashboard's admin pages over HTTP: staff accounts (deactivation ends a session at once,
not one's own) and the audit log."""

from __future__ import annotations

from sqlalchemy import select

from bot.dashboard.models import StaffUser
from bot.db.base import session_scope
from tests.support.dashboard_client import audit_entries, new_client, page_token, sign_in, signed_in
from tests.support.dashboard_db import db_url, template_db  # noqa: F401  (fixtures)
from tests.support.dashboard_http import add_request, app, clock  # noqa: F401  (fixtures)

# ---------------------------------------------------------------- staff accounts


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


# ---------------------------------------------------------------- audit log


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
    actions = [a[1] for a in audit_entries(db_url)]
    for action in ("sign_in_failed", "sign_in", "view", "status_change", "export", "erase", "account_change"):
        assert action in actions
        assert action.replace("_", " ") in page
    assert client.get("/audit?action=erase").text.count("action-erase") == 1
    client.post("/signout", data={"csrf_token": token})
    assert audit_entries(db_url)[-1][:2] == ("ada", "sign_out")
