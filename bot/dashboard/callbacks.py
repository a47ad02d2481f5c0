"""Callback requests on the dashboard: the list staff work through, and marking one done or
open again. Each change is audited with the reference only."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.dashboard import audit
from bot.dashboard.models import utcnow
from bot.db.models import CallbackRequest

CALLBACK_STATUS_LABELS = {"new": "To call", "done": "Done"}
# Open callbacks are always all shown; finished ones only as far back as this many.
DONE_SHOWN = 100


class CallbackError(ValueError):
    """A change that does not apply; the message is shown to staff as it is."""


def waiting_and_recent(session: Session) -> tuple[list[CallbackRequest], int]:
    """Every callback still to make, newest first, then the latest finished ones, newest first;
    and how many finished ones there are in all (so the page can say some are not shown)."""
    newest_first = (CallbackRequest.created_at.desc(), CallbackRequest.id.desc())
    waiting = list(
        session.scalars(select(CallbackRequest).where(CallbackRequest.status == "new").order_by(*newest_first))
    )
    done = list(
        session.scalars(
            select(CallbackRequest).where(CallbackRequest.status != "new").order_by(*newest_first).limit(DONE_SHOWN)
        )
    )
    done_total = session.scalar(
        select(func.count()).select_from(CallbackRequest).where(CallbackRequest.status != "new")
    )
    return waiting + done, done_total


def get_callback(session: Session, reference: str) -> CallbackRequest | None:
    return session.scalar(select(CallbackRequest).where(CallbackRequest.reference == reference))


def mark_done(session: Session, item: CallbackRequest, actor: str) -> None:
    if item.status == "done":
        raise CallbackError(f"{item.reference} was already marked done by {item.handled_by or 'someone'}.")
    item.status, item.handled_by, item.handled_at = "done", actor, utcnow()
    audit.record(session, actor, "callback_done", item.reference)


def reopen(session: Session, item: CallbackRequest, actor: str) -> None:
    if item.erased_at is not None:
        raise CallbackError(f"{item.reference} was erased, so there is no one to call back.")
    if item.status == "new":
        raise CallbackError(f"{item.reference} is already waiting for a call.")
    item.status, item.handled_by, item.handled_at = "new", None, None
    audit.record(session, actor, "callback_reopened", item.reference)
