"""A patient erases their data from the chat, and `make purge` applies the retention to what the real
assistant stored: real Rasa, the real action server, the intake database and the tracker store."""

from __future__ import annotations

import os
import re
import subprocess
import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from bot.dashboard.accounts import create_account
from bot.dashboard.app import create_app
from bot.dashboard.models import AuditEvent
from bot.dashboard.security import SecurityConfig
from bot.db.base import session_scope
from bot.db.callbacks import list_callbacks
from bot.db.models import ConsultationRequest
from bot.settings import PROJECT_ROOT
from bot.stack import APP_PYTHON
from tests.integration.test_intake_rest import reference_in
from tests.support.conversation import Patient, run_intake
from tests.support.dashboard_client import new_client, page_token, sign_in
from tests.support.dashboard_db import PASSWORDS
from tests.support.tracker_db import senders_in, tracker_rows


def test_a_patient_deletes_their_data_in_the_chat_and_staff_see_it_audited(rasa_stack, sender_id):
    transcript = run_intake(lambda text: rasa_stack.send(sender_id, text), Patient(name="Nadia Erasable"))
    reference = reference_in(transcript)
    rasa_stack.send(sender_id, "what are your opening hours?")  # a new conversation after the stored one

    asked = " ".join(rasa_stack.texts(sender_id, "please delete my data"))
    assert "Shall I delete it?" in asked
    done = " ".join(rasa_stack.texts(sender_id, "yes"))
    assert "I've deleted this conversation" in done and reference in done

    with session_scope(rasa_stack.database_url) as session:
        stored = session.scalars(select(ConsultationRequest).where(ConsultationRequest.reference == reference)).one()
        assert stored.erased_at is not None and stored.name == "" and stored.conversation_id == ""
        entry = session.scalars(select(AuditEvent).where(AuditEvent.reference == reference)).one()
    assert (entry.action, entry.actor) == ("erase", "patient via rest")
    assert tracker_rows(rasa_stack.tracker_store_url, sender_id) == []


def test_declining_deletes_nothing(rasa_stack, sender_id):
    run_intake(lambda text: rasa_stack.send(sender_id, text), Patient())
    rasa_stack.send(sender_id, "delete my data")
    assert "haven't deleted anything" in " ".join(rasa_stack.texts(sender_id, "no"))
    with session_scope(rasa_stack.database_url) as session:
        kept = session.scalars(
            select(ConsultationRequest).where(ConsultationRequest.conversation_id == sender_id)
        ).one()
    assert kept.erased_at is None


def _dashboard_as_admin(stack):
    """The real dashboard app over the stack's intake database and Rasa's tracker store."""
    username = f"dpo{uuid.uuid4().hex[:6]}"
    with session_scope(stack.database_url) as session:
        create_account(session, username, "admin", PASSWORDS["ada"], actor="test")
    app = create_app(
        stack.database_url,
        SecurityConfig(secret_key="x" * 48, secure_cookies=False),
        tracker_store_url=stack.tracker_store_url,
    )
    client = new_client(app)
    assert sign_in(client, username, PASSWORDS["ada"]).status_code == 303
    return client


def test_staff_erasure_also_deletes_what_rasa_holds_of_the_patients_later_chat(rasa_stack, sender_id):
    transcript = run_intake(lambda text: rasa_stack.send(sender_id, text), Patient(name="Ottilie Erasable"))
    reference = reference_in(transcript)
    rasa_stack.send(sender_id, "what are your opening hours?")  # the patient chats on after storing
    assert tracker_rows(rasa_stack.tracker_store_url, sender_id), "Rasa holds the later chat"
    staff = _dashboard_as_admin(rasa_stack)
    staff.post(f"/requests/{reference}/erase", data={"confirm_reference": reference, "csrf_token": page_token(staff)})
    assert tracker_rows(rasa_stack.tracker_store_url, sender_id) == []
    with session_scope(rasa_stack.database_url) as session:
        erased = session.scalars(select(ConsultationRequest).where(ConsultationRequest.reference == reference)).one()
        assert erased.erased_at is not None and erased.name == ""
    assert "Monday" in " ".join(rasa_stack.texts(sender_id, "what are your opening hours?")), "Rasa carries on"


def test_staff_erasure_of_a_callback_also_deletes_its_conversation(rasa_stack, sender_id):
    for text in ("/request_callback", "yes", "Tobiah Erasable", "07911 123456"):
        rasa_stack.send(sender_id, text)
    final = " ".join(rasa_stack.texts(sender_id, "weekday mornings"))
    reference = re.search(r"CB-[A-Z0-9]+", final).group(0)
    rasa_stack.send(sender_id, "how much does it cost?")
    assert tracker_rows(rasa_stack.tracker_store_url, sender_id)
    staff = _dashboard_as_admin(rasa_stack)
    staff.post(f"/callbacks/{reference}/erase", data={"confirm_reference": reference, "csrf_token": page_token(staff)})
    assert tracker_rows(rasa_stack.tracker_store_url, sender_id) == []
    assert "Tobiah" not in " ".join(c.name for c in list_callbacks(rasa_stack.database_url))


def _make_purge(stack, now: datetime) -> str:
    env = dict(os.environ, DATABASE_URL=stack.database_url, TRACKER_STORE_URL=stack.tracker_store_url)
    result = subprocess.run(
        [str(APP_PYTHON), "-m", "bot.privacy.purge", "--now", now.isoformat()],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout


def test_make_purge_with_a_moved_clock_deletes_what_has_expired(rasa_stack):
    questions, left_form = "purge-questions-only", "purge-left-a-form"
    rasa_stack.send(questions, "does it hurt?")
    for text in ("I'd like to book a consultation", "yes", "Olga Leftbehind"):
        rasa_stack.send(left_form, text)
    now = datetime.now(timezone.utc)

    assert "Purged conversations:" in _make_purge(rasa_stack, now)
    assert {questions, left_form} <= senders_in(rasa_stack.tracker_store_url), "nothing expired yet"

    _make_purge(rasa_stack, now + timedelta(hours=3))
    remaining = senders_in(rasa_stack.tracker_store_url)
    assert left_form not in remaining, "an unfinished form goes after the clinic's hours"
    assert questions in remaining, "a conversation without a form stays for its days"

    _make_purge(rasa_stack, now + timedelta(days=31))
    assert questions not in senders_in(rasa_stack.tracker_store_url)
    with session_scope(rasa_stack.database_url) as session:
        details = list(session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "purge")))
    assert len(details) >= 3 and all("Olga" not in detail for detail in details)
