"""The dashboard in a real browser against the real server process (`python -m bot.dashboard`):
accounts made with the CLI, requests stored with the bot's own `save_submission`, then sign in,
find a request, open it, change its status with a note, export CSV. Saves the screenshots in docs/."""

from __future__ import annotations

import csv
import os
import re
import subprocess
from datetime import datetime, timedelta, timezone

import pyotp
import pytest
from sqlalchemy import update

from bot.consultation import IntakeSubmission
from bot.db.base import engine_for, session_scope
from bot.db.callbacks import CallbackSubmission, save_callback
from bot.db.consultations import save_submission
from bot.db.models import ConsultationRequest
from bot.screening.answers import RuleAnswer
from bot.screening.rules import load_rules
from bot.settings import PROJECT_ROOT, get_settings
from bot.stack import APP_PYTHON, Service, app_command, free_port
from tests.support.screenshots import screenshot

playwright_sync = pytest.importorskip("playwright.sync_api")
expect = playwright_sync.expect
expect.set_options(timeout=20_000)

TABLET = {"width": 1180, "height": 820}  # a 10.9" tablet held landscape
ADMIN = ("ada", "reception harbour lantern 7")
STAFF = ("sam", "front desk tulip garden 4")
NURSE = ("nia", "night shift willow river 8")  # sets up two-step sign-in

pytestmark = pytest.mark.timeout(240)


def _rules():
    return load_rules(get_settings().screening_rules)


def _intake(
    key: str, name: str, phone: str, email: str, channel: str, concerns: str, affirmed: dict[str, str]
) -> IntakeSubmission:
    """A finished intake as the bot submits it: every rule asked in order, the patient's words kept."""
    answers = []
    for rule in _rules():
        words = affirmed.get(rule.id)
        answers.append(
            RuleAnswer(
                rule_id=rule.id,
                question=rule.question,
                answer_text=words or "no",
                affirmed=words is not None,
                level=rule.level if words else None,
            )
        )
    return IntakeSubmission(
        idempotency_key=key,
        channel=channel,
        conversation_id=f"{channel}-{key}",
        name=name,
        preferred_contact="phone",
        concerns=concerns,
        consent_at=datetime.now(timezone.utc),
        age=46,
        phone=phone,
        email=email,
        preferred_time="weekday mornings",
        health_notes="",
        answers=tuple(answers),
    )


SEED = [
    _intake(
        "seed-1", "Helen Marsh", "+447700900111", "helen.marsh@example.org", "web", "fine lines around the eyes", {}
    ),
    _intake(
        "seed-2",
        "David Chen",
        "+447700900222",
        "d.chen@example.org",
        "telegram",
        "sun damage on the forehead",
        {"recent_sun": "yes, I got sunburnt in Spain last week"},
    ),
    _intake(
        "seed-3",
        "Priya Nair",
        "+447700900333",
        "priya.n@example.org",
        "web",
        "stretch marks",
        {"cold_sore_history": "I get one now and then"},
    ),
]
PATIENT = _intake(
    "bot-1",
    "Olivia Bennett",
    "+447700900456",
    "olivia.bennett@example.org",
    "telegram",
    "acne scars on both cheeks",
    {"blood_thinners": "yes, apixaban 5mg twice a day for my heart", "cold_sore_history": "a few times a year"},
)


def _cli_add(env: dict, username: str, password: str, role: str) -> None:
    done = subprocess.run(
        [
            str(APP_PYTHON),
            "-m",
            "bot.dashboard.cli",
            "add-staff",
            "--username",
            username,
            "--role",
            role,
            "--password-stdin",
        ],
        input=password + "\n",
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("dashboard")
    url = f"sqlite:///{workdir / 'intake.db'}"
    port = free_port()
    env = dict(
        os.environ,
        DATABASE_URL=url,
        VAR_DIR=str(workdir),
        DASHBOARD_HOST="127.0.0.1",
        DASHBOARD_PORT=str(port),
        DASHBOARD_TIMEZONE="Europe/London",
        DASHBOARD_PLAIN_HTTP="1",
    )
    env.pop("DASHBOARD_SECRET_KEY", None)
    _cli_add(env, *ADMIN, "admin")  # also creates the schema, as on a first install
    _cli_add(env, *STAFF, "staff")
    _cli_add(env, *NURSE, "staff")
    now = datetime.now(timezone.utc)
    for days_ago, intake in zip((6, 3, 1), SEED):
        saved = save_submission(url, intake)
        with session_scope(url) as session:
            session.execute(
                update(ConsultationRequest)
                .where(ConsultationRequest.reference == saved.reference)
                .values(created_at=now - timedelta(days=days_ago, hours=days_ago))
            )
    patient = save_submission(url, PATIENT)
    log_path = workdir / "dashboard.log"
    server = Service(
        "dashboard", app_command("bot.dashboard"), f"http://127.0.0.1:{port}/healthz", env=env, log_path=log_path
    )
    server.start()
    try:
        server.wait_ready(timeout=60)
        yield {
            "base": f"http://127.0.0.1:{port}",
            "url": url,
            "reference": patient.reference,
            "log": log_path,
            "workdir": workdir,
        }
    finally:
        server.stop()
        engine_for(url).dispose()


def _sign_in(page, base: str, username: str, password: str) -> None:
    page.goto(base + "/")
    expect(page).to_have_url(f"{base}/signin?next=%2F")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Requests")).to_be_visible()


def test_admin_finds_opens_updates_and_exports_a_request_the_bot_stored(browser, dashboard, tmp_path):
    base, reference = dashboard["base"], dashboard["reference"]
    context = browser.new_context(viewport=TABLET, locale="en-GB", accept_downloads=True)
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    _sign_in(page, base, *ADMIN)

    rows = page.locator("table.requests tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.first).to_contain_text(reference)  # newest first
    expect(rows.first).to_contain_text("Needs review")
    expect(page.get_by_text("1 open need review")).to_be_visible()
    screenshot(page, "dashboard-list.png", tmp_path)

    page.get_by_label("Search").fill("07700 900456")
    page.get_by_role("button", name="Apply").click()
    expect(rows).to_have_count(1)
    page.get_by_role("link", name="Olivia Bennett").click()

    expect(page.get_by_role("heading", name="Olivia Bennett")).to_be_visible()
    flagged = page.locator("table.answers tr.flagged")
    expect(flagged).to_have_count(1)
    expect(flagged).to_contain_text("yes, apixaban 5mg twice a day for my heart")
    expect(flagged).to_contain_text("Needs review")
    expect(page.locator("dl.facts")).to_contain_text(["+447700900456", "acne scars on both cheeks"])

    page.get_by_label("Contacted").check()
    page.get_by_label("Internal note").fill("Called Olivia; GP letter about apixaban needed before booking.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved: status is now contacted")).to_be_visible()
    expect(page.locator("ol.history")).to_contain_text("ada: New → Contacted")
    expect(page.locator("ol.history")).to_contain_text("GP letter about apixaban")
    screenshot(page, "dashboard-detail.png", tmp_path, full_page=True)

    page.get_by_role("link", name="← All requests").click()
    page.get_by_label("Status").select_option("contacted")
    page.get_by_role("button", name="Apply").click()
    expect(rows).to_have_count(1)
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export CSV").click()
    download = download_info.value
    assert download.suggested_filename.startswith("consultation-requests-") and download.suggested_filename.endswith(
        ".csv"
    )
    with open(download.path(), newline="", encoding="utf-8") as handle:
        exported = list(csv.DictReader(handle))
    assert [(row["reference"], row["name"], row["status"], row["outcome"]) for row in exported] == [
        (reference, "Olivia Bennett", "contacted", "needs_review")
    ]

    page.goto(base + "/audit")
    audit_rows = page.locator("table.audit tbody")
    for action in ("sign in", "view", "status change", "export"):
        expect(audit_rows).to_contain_text(action)
    assert dialogs == []
    context.close()


def test_patient_text_is_shown_as_text_and_staff_cannot_export(browser, dashboard):
    save_submission(
        dashboard["url"],
        _intake(
            "xss-1",
            "<script>alert(1)</script>",
            "+447700900789",
            "x@example.org",
            "web",
            '<img src=x onerror="alert(2)">',
            {},
        ),
    )
    context = browser.new_context(viewport=TABLET, locale="en-GB")
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    _sign_in(page, dashboard["base"], *STAFF)
    expect(page.get_by_role("link", name="<script>alert(1)</script>")).to_be_visible()
    expect(page.get_by_role("button", name="Export CSV")).to_have_count(0)
    page.get_by_role("link", name="<script>alert(1)</script>").click()
    expect(page.get_by_text('<img src=x onerror="alert(2)">')).to_be_visible()
    expect(page.get_by_text("Erase this request")).to_have_count(0)
    page.goto(dashboard["base"] + "/audit")
    expect(page.get_by_role("heading", name="Admins only")).to_be_visible()
    assert dialogs == []
    context.close()


def test_staff_find_a_callback_the_bot_stored_call_and_mark_it_done(browser, dashboard, tmp_path):
    saved = save_callback(
        dashboard["url"],
        CallbackSubmission(
            idempotency_key="telegram-731904586:callback:1",
            channel="telegram",
            conversation_id="telegram-731904586",
            name="Tom <b>Reed</b>",
            phone="+447700900987",
            preferred_time="after 5pm, not Fridays",
            consent_at=datetime.now(timezone.utc),
        ),
    )
    context = browser.new_context(viewport=TABLET, locale="en-GB")
    page = context.new_page()
    _sign_in(page, dashboard["base"], *STAFF)
    page.get_by_role("link", name="Callbacks").click()
    expect(page.get_by_role("heading", name="Callbacks")).to_be_visible()
    row = page.locator(f"tr#{saved.reference}")
    expect(row).to_have_class("callback-new")
    expect(row).to_contain_text("Tom <b>Reed</b>")  # shown as typed, not as markup
    expect(row).to_contain_text("after 5pm, not Fridays")
    expect(row.get_by_role("link", name="+447700900987")).to_have_attribute("href", "tel:+447700900987")
    page.screenshot(path=str(tmp_path / "callbacks.png"))

    row.get_by_role("button", name=f"Mark {saved.reference} done").click()
    expect(page.get_by_text(f"{saved.reference} marked done.")).to_be_visible()
    expect(row).to_have_class("callback-done")
    expect(row).to_contain_text("by sam")
    expect(row.get_by_role("button", name=f"Reopen {saved.reference}")).to_be_visible()
    context.close()
    log = dashboard["log"].read_text(encoding="utf-8", errors="replace")
    assert f"POST /callbacks/{saved.reference}/done 303" in log
    for secret in ("Reed", "900987", "Fridays", "731904586"):
        assert secret not in log, secret


def test_server_log_names_references_but_no_patient(dashboard):
    log = dashboard["log"].read_text(encoding="utf-8", errors="replace")
    assert "Staff dashboard: http://127.0.0.1:" in log
    assert f"GET /requests/{dashboard['reference']}" in log
    for secret in ("Olivia", "Bennett", "900456", "apixaban", "acne", "example.org", "07700"):
        assert secret not in log, secret
    assert (dashboard["workdir"] / "dashboard-secret.key").exists()  # generated, not built in


def test_staff_set_up_two_step_sign_in_and_then_sign_in_with_a_code(browser, dashboard):
    base = dashboard["base"]
    context = browser.new_context(viewport=TABLET, locale="en-GB")
    page = context.new_page()
    _sign_in(page, base, *NURSE)
    page.get_by_role("link", name="nia staff").click()
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    page.get_by_role("button", name="Set up two-step sign-in").click()
    secret = page.locator("code.totp-secret").inner_text().replace(" ", "")
    expect(page.locator("code.totp-uri")).to_contain_text("otpauth://totp/")
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    authenticator = pyotp.TOTP(secret)
    page.get_by_label("Code from the app").fill(authenticator.now())
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    expect(page.get_by_text("Two-step sign-in is on")).to_be_visible()
    enrolled_step = authenticator.timecode(datetime.now())
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()

    page.goto(base + "/")
    page.get_by_label("Username").fill(NURSE[0])
    page.get_by_label("Password").fill(NURSE[1])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Sign-in code")).to_be_visible()
    while authenticator.timecode(datetime.now()) <= enrolled_step:  # the enrolment code is used up
        page.wait_for_timeout(500)
    page.get_by_label("6-digit code from your authenticator app").fill(authenticator.now())
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Requests")).to_be_visible()
    context.close()
    log = dashboard["log"].read_text(encoding="utf-8", errors="replace")
    assert secret not in log
