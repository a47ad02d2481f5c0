"""Rasa's tracker store never holds a patient's data in clear, and keeps nothing once a form ends.

Real Rasa with our tracker store class, the real action server, SQLite (the local default) and
PostgreSQL (production). Every check reads the store as an outsider would: raw rows, raw bytes.
"""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from tests.conftest import start_stack
from tests.support.conversation import Patient, run_intake
from tests.support.tracker_db import all_stored_text, files_text, tracker_rows

# Distinctive values, so finding one anywhere can only mean it leaked.
PATIENT = dict(
    name="Zora Quimby-Tester",
    birth="02/07/1979",
    phone="07911 246810",
    email="Zora.Quimby@example.org",
    concerns="zzqconcern scars on my chin",
    health_notes="zzqnotes I take zzqmedicine daily",
)
# ... and as the intake normalises them.
NORMALISED = ["1979-07-02", "+447911246810", "zora.quimby@example.org"]
VALUES = [*PATIENT.values(), *NORMALISED, "Quimby"]


def leaked(text: str) -> list[str]:
    return [value for value in VALUES if value in text]


def logs_of(stack) -> str:
    return files_text([stack.rasa.log_path, stack.actions.log_path])


def test_an_intake_in_progress_is_encrypted_and_a_stored_one_leaves_nothing(rasa_stack, sender_id):
    seen_at_review: list[list[dict]] = []

    def send(text: str) -> list[dict]:
        messages = rasa_stack.send(sender_id, text)
        if any("Here is what I'll send" in m.get("text", "") for m in messages):
            seen_at_review.append(tracker_rows(rasa_stack.tracker_store_url, sender_id))
            assert not leaked(all_stored_text(rasa_stack.tracker_store_url)), "a value is stored in clear"
        return messages

    transcript = run_intake(send, Patient(**PATIENT))
    assert "Your reference is" in transcript[-1]

    rows = seen_at_review[0]
    assert len(rows) > 50, "the conversation is stored while the intake is in progress"
    assert all(row["data"].startswith("fernet:") for row in rows), "every event is encrypted"
    assert all(row["intent_name"] is None for row in rows), "intent names can give an answer away"

    assert tracker_rows(rasa_stack.tracker_store_url, sender_id) == [], "the stored intake's conversation is gone"
    assert not leaked(all_stored_text(rasa_stack.tracker_store_url)), "nothing left in the file's free pages"
    assert not leaked(logs_of(rasa_stack))


def _stop_mid_intake(send):
    send("I'd like to book a consultation")
    send("yes")
    send(PATIENT["name"])
    send(PATIENT["birth"])
    return send("stop")


def _refuse_consent(send):
    send("I'd like to book a consultation")
    return send("no")


def _under_18(send):
    send("I'd like to book a consultation")
    send("yes")
    send(PATIENT["name"])
    return send("I'm 16")


def _callback_stored(send):
    send("can someone call me back?")
    send("yes")
    send(PATIENT["name"])
    send(PATIENT["phone"])
    return send("weekday mornings zzqtime")


def _callback_refused(send):
    send("can someone call me back?")
    return send("no")


def _delete_my_data_mid_intake(send):
    send("I'd like to book a consultation")
    send("yes")
    send(PATIENT["name"])
    asked = send("delete my data")
    assert "Shall I delete it?" in asked
    return send("yes")


ENDS = [
    (_stop_mid_intake, "Nothing has been stored"),
    (_refuse_consent, "nothing has been stored"),
    (_under_18, "nothing has been stored"),
    (_callback_stored, "Your reference is"),
    (_callback_refused, "nothing has been stored"),
    (_delete_my_data_mid_intake, "I've deleted this conversation"),
]


@pytest.mark.parametrize(
    ("end", "told"),
    ENDS,
    ids=["stop", "consent-refused", "under-18", "callback-stored", "callback-refused", "delete-my-data"],
)
def test_every_way_a_form_ends_leaves_nothing_in_the_tracker_store(rasa_stack, sender_id, end, told):
    def send(text: str) -> str:
        return " ".join(rasa_stack.texts(sender_id, text))

    assert told in end(send)
    assert tracker_rows(rasa_stack.tracker_store_url, sender_id) == []
    assert not leaked(all_stored_text(rasa_stack.tracker_store_url))
    assert not leaked(logs_of(rasa_stack)), "what was typed reached a log"
    # The conversation carries on, as a new one.
    assert "Monday" in send("what are your opening hours?")


def test_an_intake_resumes_where_it_was_after_rasa_and_the_action_server_restart(rasa_stack, sender_id):
    rasa_stack.send(sender_id, "I'd like to book a consultation")
    rasa_stack.send(sender_id, "yes")
    rasa_stack.send(sender_id, PATIENT["name"])
    asked = " ".join(rasa_stack.texts(sender_id, PATIENT["birth"]))
    assert "phone number" in asked

    rasa_stack.actions.stop()
    rasa_stack.actions.start()
    rasa_stack.actions.wait_ready(timeout=90)
    rasa_stack.restart_rasa()

    assert "email address" in " ".join(rasa_stack.texts(sender_id, PATIENT["phone"]))


def test_postgresql_tracker_store_is_encrypted_forgets_and_encrypts_what_an_older_version_left(tmp_path, postgres_url):
    database = f"rasa_private_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{database}"'))
    tracker_url = sa.engine.make_url(postgres_url).set(drivername="postgresql", database=database)
    tracker_store_url = tracker_url.render_as_string(hide_password=False)
    # A row as Rasa's own SQL store wrote it before this version: in clear, intent name and all.
    legacy = sa.create_engine(tracker_url.set(drivername="postgresql+psycopg"))
    with legacy.begin() as connection:
        connection.execute(
            sa.text(
                "CREATE TABLE events (id SERIAL PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, type_name VARCHAR(255) "
                "NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO events (sender_id, type_name, timestamp, intent_name, data) VALUES "
                "('old-one', 'user', 1, 'inform', :data)"
            ),
            {"data": '{"event": "user", "timestamp": 1, "text": "Zora Quimby-Tester", "parse_data": {}}'},
        )
    legacy.dispose()

    stack = start_stack(tmp_path, f"sqlite:///{tmp_path / 'intake.db'}", tracker_store_url=tracker_store_url)
    try:
        sender = f"pg-{uuid.uuid4().hex[:8]}"
        assert not leaked(all_stored_text(tracker_store_url)), "the older clear row was encrypted at start-up"
        stack.send(sender, "I'd like to book a consultation")
        stack.send(sender, "yes")
        stack.send(sender, PATIENT["name"])
        rows = tracker_rows(tracker_store_url, sender)
        assert rows and all(row["data"].startswith("fernet:") for row in rows)
        assert not leaked(all_stored_text(tracker_store_url))
        assert "Nothing has been stored" in " ".join(stack.texts(sender, "cancel"))
        assert tracker_rows(tracker_store_url, sender) == []
        for end, told in ENDS:  # every other way a form ends, on PostgreSQL too
            other = f"pg-{uuid.uuid4().hex[:8]}"
            assert told in end(lambda text, other=other: " ".join(stack.texts(other, text))), end.__name__
            assert tracker_rows(tracker_store_url, other) == [], end.__name__
        assert not leaked(all_stored_text(tracker_store_url))
        assert not leaked(logs_of(stack))
    finally:
        stack.stop()
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()
