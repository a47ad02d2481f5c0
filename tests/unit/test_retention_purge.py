"""The clinic's retention, applied with a moved clock: what expires goes, what does not stays, and
each purge is counted in the audit log without contents."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from bot.clinic import ClinicConfigError, Retention, parse_clinic
from bot.dashboard.erasure import erase_request
from bot.dashboard.models import AuditEvent, StatusChange
from bot.db.base import session_scope
from bot.db.models import CallbackRequest, ConsultationRequest, ScreeningAnswer
from bot.privacy.purge import purge_conversations, purge_records
from bot.yaml_files import read_yaml
from tests.support.storage_db import db_url  # noqa: F401  (fixture)
from tests.support.tracker_db import make_tracker_db, senders_in, tracker_rows

NOW = datetime(2027, 6, 1, 12, 0, tzinfo=timezone.utc)
RETENTION = Retention(unfinished_form_hours=2, conversation_days=30, request_months=24, audit_log_months=72)


def _request(reference: str, updated: datetime, conversation: str = "web-abc") -> ConsultationRequest:
    return ConsultationRequest(
        reference=reference,
        idempotency_key=f"k-{reference}",
        created_at=updated,
        updated_at=updated,
        channel="web",
        conversation_id=conversation,
        name="Iris Purgeable",
        preferred_contact="phone",
        concerns="scars",
        outcome="eligible",
        consent_at=updated,
        answers=[ScreeningAnswer(rule_id="pregnancy", question="Pregnant?", answer="no", affirmed=False, position=0)],
    )


def _callback(reference: str, updated: datetime) -> CallbackRequest:
    return CallbackRequest(
        reference=reference,
        idempotency_key=f"k-{reference}",
        created_at=updated,
        updated_at=updated,
        channel="web",
        conversation_id="web-cb",
        name="Iris Purgeable",
        phone="+447911123456",
        consent_at=updated,
    )


def test_requests_and_audit_entries_expire_after_their_periods(db_url):  # noqa: F811
    old, recent = NOW - timedelta(days=25 * 30.44), NOW - timedelta(days=23 * 30.44)
    with session_scope(db_url) as session:
        session.add_all(
            [_request("OLD1", old), _request("NEW1", recent), _callback("CBOLD", old), _callback("CBNEW", recent)]
        )
        session.flush()
        old_id = session.scalar(select(ConsultationRequest.id).where(ConsultationRequest.reference == "OLD1"))
        session.add(
            StatusChange(
                request_id=old_id,
                reference="OLD1",
                from_status="new",
                to_status="contacted",
                note="called Iris at home",
                changed_by="sam",
                changed_at=old,
            )
        )
        session.add(AuditEvent(at=NOW - timedelta(days=73 * 30.44), actor="sam", action="view", reference="X"))
        session.add(AuditEvent(at=NOW - timedelta(days=1), actor="sam", action="view", reference="OLD1"))

    counts = purge_records(db_url, RETENTION, NOW, conversations=(3, 5), audit_when_nothing=False)

    assert (counts.consultation_requests, counts.callback_requests, counts.audit_entries) == (1, 1, 1)
    with session_scope(db_url) as session:
        assert set(session.scalars(select(ConsultationRequest.reference))) == {"NEW1"}
        assert set(session.scalars(select(CallbackRequest.reference))) == {"CBNEW"}
        assert session.scalar(select(sa.func.count()).select_from(ScreeningAnswer)) == 1
        assert session.scalar(select(sa.func.count()).select_from(StatusChange)) == 0, "staff notes go too"
        entry = session.scalars(select(AuditEvent).where(AuditEvent.action == "purge")).one()
    assert entry.actor == "retention policy"
    assert entry.detail == (
        "conversations: 3, events of earlier sessions: 5, consultation requests: 1, callback requests: 1, "
        "audit entries: 1"
    )
    assert "Iris" not in entry.detail


def test_an_erased_request_is_removed_when_its_retention_ends(db_url):  # noqa: F811
    with session_scope(db_url) as session:
        item = _request("ERASED", NOW - timedelta(days=3))
        session.add(item)
        session.flush()
        erase_request(session, item, "ada")
    assert purge_records(db_url, RETENTION, NOW, (0, 0), False).consultation_requests == 0
    later = NOW + timedelta(days=24 * 30.44 + 1)
    assert purge_records(db_url, RETENTION, later, (0, 0), False).consultation_requests == 1


def test_a_purge_that_finds_nothing_is_audited_only_when_asked(db_url):  # noqa: F811
    purge_records(db_url, RETENTION, NOW, (0, 0), audit_when_nothing=False)
    with session_scope(db_url) as session:
        assert session.scalar(select(sa.func.count()).select_from(AuditEvent)) == 0
    purge_records(db_url, RETENTION, NOW, (0, 0), audit_when_nothing=True)
    with session_scope(db_url) as session:
        assert session.scalars(select(AuditEvent.detail)).one().endswith("audit entries: 0")


def test_conversations_expire_when_idle_and_unfinished_forms_much_sooner(tmp_path):
    url = make_tracker_db(
        tmp_path / "tracker.db",
        [
            ("faq-recent", "user", NOW - timedelta(days=29)),
            ("faq-old", "user", NOW - timedelta(days=31)),
            ("form-left", "active_loop", NOW - timedelta(hours=3)),
            ("form-left", "user", NOW - timedelta(hours=3)),
            ("form-now", "active_loop", NOW - timedelta(minutes=20)),
            ("form-now", "user", NOW - timedelta(minutes=5)),
        ],
    )
    assert purge_conversations(url, RETENTION, NOW) == (2, 0)
    assert senders_in(url) == {"faq-recent", "form-now"}


def test_a_conversation_that_goes_on_for_months_loses_its_earlier_sessions_after_the_period(tmp_path):
    url = make_tracker_db(
        tmp_path / "tracker.db",
        [
            ("telegram-1", "user", NOW - timedelta(days=70)),  # one chat for ever, as on Telegram
            ("telegram-1", "bot", NOW - timedelta(days=40)),
            ("telegram-1", "user", NOW - timedelta(days=2)),
        ],
    )
    assert purge_conversations(url, RETENTION, NOW) == (0, 2)
    assert [row["type_name"] for row in tracker_rows(url, "telegram-1")] == ["user"]  # the recent one


def test_a_tracker_store_rasa_has_not_created_yet_has_nothing_to_purge(tmp_path):
    assert purge_conversations(f"sqlite:///{tmp_path / 'none.db'}", RETENTION, NOW) == (0, 0)


def test_the_shipped_retention_is_read_and_a_wrong_one_is_named():
    from bot.settings import get_settings

    raw = read_yaml(get_settings().clinic_config, ClinicConfigError, "clinic config")
    assert parse_clinic(raw).retention == RETENTION
    for wrong, named in (
        ({"conversation_days": 0}, "retention.conversation_days"),
        ({"request_months": "two years"}, "retention.request_months"),
        ({"keep_forever": 1}, "retention.keep_forever"),
    ):
        with pytest.raises(ClinicConfigError, match=named):
            parse_clinic({**raw, "retention": wrong})
