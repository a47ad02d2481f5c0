"""Demonstrable consent (GDPR Art. 7): the version id of a consent text, and each consultation and
callback request stored with the version it agreed to and the text kept once per version, on a
real SQLite file and a real PostgreSQL (migration 0004)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from alembic import command
from sqlalchemy import inspect, select

from bot.consent import consent_version
from bot.consultation import IntakeSubmission
from bot.db.base import engine_for, session_scope
from bot.db.callbacks import CallbackSubmission, list_callbacks, save_callback
from bot.db.consultations import list_requests, save_submission
from bot.db.migrate import alembic_config, upgrade_to_head
from bot.db.models import ConsentText
from tests.support.storage_db import db_url, insert_old_request  # noqa: F401  (db_url is a fixture)

CONSENT_AT = datetime(2025, 11, 23, 10, 30, tzinfo=timezone.utc)
SHOWN = "Your answers are seen only by Bright Skin Clinic's staff.\nDo you agree to share this information?"


def intake(key: str = "web-abc:2025-11-23T10:29:00Z", shown: str | None = SHOWN) -> IntakeSubmission:
    return IntakeSubmission(
        idempotency_key=key,
        channel="web",
        conversation_id="web-abc",
        name="Ann Lee",
        preferred_contact="email",
        concerns="acne scars",
        email="ann@example.com",
        consent_at=CONSENT_AT,
        consent_version=consent_version(shown) if shown is not None else None,
        consent_text=shown,
    )


def callback(key: str = "web-abc:callback:1", shown: str = SHOWN) -> CallbackSubmission:
    return CallbackSubmission(
        idempotency_key=key,
        channel="web",
        conversation_id="web-abc",
        name="Ann Lee",
        phone="+447911123456",
        consent_at=CONSENT_AT,
        consent_version=consent_version(shown),
        consent_text=shown,
    )


def _texts(url: str) -> list[ConsentText]:
    with session_scope(url) as session:
        return list(session.scalars(select(ConsentText).order_by(ConsentText.first_seen_at)))


def test_the_version_is_a_short_stable_hash_of_the_exact_text():
    version = consent_version(SHOWN)
    assert version == consent_version(SHOWN) and version.startswith("c-") and len(version) == 14
    assert int(version[2:], 16) >= 0  # hex


@pytest.mark.parametrize(
    "changed",
    [
        SHOWN.replace("Bright Skin Clinic", "Other Clinic"),  # another clinic's name rendered in
        SHOWN + " ",
        SHOWN.replace("?", "."),
        SHOWN.lower(),
    ],
)
def test_changing_the_consent_text_changes_the_version(changed):
    assert consent_version(changed) != consent_version(SHOWN)


def test_a_request_is_stored_with_its_version_and_the_text_once(db_url):
    first = save_submission(db_url, intake())
    save_submission(db_url, intake(key="web-def:2025-11-24T09:00:00Z"))
    save_callback(db_url, callback())
    [request, _other] = list_requests(db_url)
    assert request.reference == first.reference and request.consent_at == CONSENT_AT
    assert request.consent_version == consent_version(SHOWN)
    assert request.consent_text.text == SHOWN  # readable after the session closed
    [stored_callback] = list_callbacks(db_url)
    assert stored_callback.consent_version == consent_version(SHOWN) and stored_callback.consent_text.text == SHOWN
    [kept] = _texts(db_url)
    assert (kept.version, kept.text) == (consent_version(SHOWN), SHOWN)
    assert kept.first_seen_at.tzinfo is not None


def test_a_new_wording_is_a_new_version_and_the_first_keeps_its_first_seen_time(db_url):
    save_submission(db_url, intake())
    [before] = _texts(db_url)
    reworded = SHOWN.replace("seen only by", "read only by")
    save_callback(db_url, callback(shown=reworded))
    save_submission(db_url, intake(key="again:1"))
    texts = _texts(db_url)
    assert [t.text for t in texts] == [SHOWN, reworded]
    assert texts[0].first_seen_at == before.first_seen_at
    assert {c.consent_text.text for c in list_callbacks(db_url)} == {reworded}


def test_a_version_that_does_not_match_its_text_is_refused_before_the_database():
    from dataclasses import replace

    with pytest.raises(ValueError, match="consent_version"):
        replace(intake(), consent_text="some other text").check()
    with pytest.raises(ValueError, match="consent_version"):
        replace(callback(), consent_text=None).check()


def test_requests_stored_before_0004_have_no_version(db_url):
    command.downgrade(alembic_config(db_url), "0003_callbacks")
    assert "consent_texts" not in inspect(engine_for(db_url)).get_table_names()
    with engine_for(db_url).begin() as connection:  # a request as 0003 stored it
        insert_old_request(connection, CONSENT_AT)
    upgrade_to_head(db_url)
    [old] = list_requests(db_url)
    assert old.consent_version is None and old.consent_text is None
    save_submission(db_url, intake())
    assert [r.consent_version for r in list_requests(db_url)] == [None, consent_version(SHOWN)]
