"""Applies the clinic's retention (clinic/clinic.yml `retention`): `make purge`, and hourly by `make run`.

Deletes conversations whose purpose is over from Rasa's tracker store, consultation and callback
requests (with their answers and status history) once they have not changed for the retention
period, and old audit entries. Each purge that removes anything is counted in the audit log:
counts only, never what was removed. `--now` moves the clock, to see what a later purge would do.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, select

from bot.clinic import Retention, load_clinic
from bot.dashboard import audit
from bot.dashboard.models import AuditEvent, StatusChange
from bot.db.base import session_scope
from bot.db.models import CallbackRequest, ConsultationRequest
from bot.privacy.conversations import conversations_to_purge, delete_conversation, delete_events_before
from bot.private_files import restrict_new_files
from bot.settings import Settings, settings_for_startup

log = logging.getLogger(__name__)
ACTOR = "retention policy"
DAYS_PER_MONTH = 30.44  # an average month: retention is a policy, not a calendar


@dataclass(frozen=True)
class PurgeCounts:
    conversations: int = 0
    events_of_earlier_sessions: int = 0
    consultation_requests: int = 0
    callback_requests: int = 0
    audit_entries: int = 0

    def any(self) -> bool:
        return any(asdict(self).values())

    def describe(self) -> str:
        return ", ".join(f"{name.replace('_', ' ')}: {count}" for name, count in asdict(self).items())


def _months_before(now: datetime, months: int) -> datetime:
    return now - timedelta(days=months * DAYS_PER_MONTH)


def purge_conversations(tracker_store_url: str, retention: Retention, now: datetime) -> tuple[int, int]:
    """(conversations deleted, events of earlier sessions deleted from conversations still going on)."""
    idle_before = now - timedelta(days=retention.conversation_days)
    stale = conversations_to_purge(
        tracker_store_url,
        idle_before=idle_before,
        unfinished_form_idle_before=now - timedelta(hours=retention.unfinished_form_hours),
    )
    for sender_id in stale:
        delete_conversation(tracker_store_url, sender_id)
    return len(stale), delete_events_before(tracker_store_url, idle_before)


def purge_records(
    database_url: str,
    retention: Retention,
    now: datetime,
    conversations: tuple[int, int],
    audit_when_nothing: bool,
) -> PurgeCounts:
    """Old requests and audit entries, and the audit entry that counts this purge, in one transaction."""
    requests_before = _months_before(now, retention.request_months)
    with session_scope(database_url) as session:
        old_requests = list(
            session.scalars(select(ConsultationRequest.id).where(ConsultationRequest.updated_at < requests_before))
        )
        # Staff notes in the status history can be personal too; the screening answers cascade.
        session.execute(delete(StatusChange).where(StatusChange.request_id.in_(old_requests)))
        session.execute(delete(ConsultationRequest).where(ConsultationRequest.id.in_(old_requests)))
        callbacks = session.execute(delete(CallbackRequest).where(CallbackRequest.updated_at < requests_before))
        audits = session.execute(
            delete(AuditEvent).where(AuditEvent.at < _months_before(now, retention.audit_log_months))
        )
        counts = PurgeCounts(*conversations, len(old_requests), callbacks.rowcount, audits.rowcount)
        if counts.any() or audit_when_nothing:
            audit.record(session, ACTOR, "purge", detail=counts.describe())
    return counts


def purge(settings: Settings, now: datetime | None = None, audit_when_nothing: bool = True) -> PurgeCounts:
    now = now or datetime.now(timezone.utc)
    retention = load_clinic(settings.clinic_config).retention
    conversations = purge_conversations(settings.tracker_store_url, retention, now)
    counts = purge_records(settings.database_url, retention, now, conversations, audit_when_nothing)
    log.info("retention purge: %s", counts.describe())
    return counts


def purge_every(interval_seconds: float, settings: Settings) -> threading.Event:
    """Purges now and then every `interval_seconds` in a background thread, until the returned event
    is set. A failure (a database down) is reported in one line and tried again next time."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                purge(settings, audit_when_nothing=False)
            except Exception as error:  # noqa: BLE001 - the assistant keeps running; the next run retries
                print(f"Retention purge failed ({type(error).__name__}); it runs again in an hour.", file=sys.stderr)
            stop.wait(interval_seconds)

    threading.Thread(target=loop, name="retention-purge", daemon=True).start()
    return stop


def _aware(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--now", type=_aware, help="purge as if it were this moment (ISO 8601, UTC if no zone)")
    parser.add_argument(
        "--every", type=float, metavar="SECONDS", help="keep running and purge every SECONDS (compose.yaml's job)"
    )
    args = parser.parse_args(argv)
    restrict_new_files()
    settings = settings_for_startup("purge")
    if args.every:
        stopped = purge_every(args.every, settings)
        try:
            stopped.wait()  # until the container is stopped (SIGTERM ends the process)
        except KeyboardInterrupt:
            pass
        return 0
    counts = purge(settings, now=args.now)
    print(f"Purged {counts.describe()}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
