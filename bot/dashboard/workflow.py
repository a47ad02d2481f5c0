"""The status workflow of a consultation request and the one function that moves it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.consultation import STATUS_LABELS, TRANSITIONS
from bot.dashboard import audit
from bot.dashboard.models import StatusChange

MAX_NOTE_LENGTH = 2000


class WorkflowError(ValueError):
    """The change is not allowed; the message is shown to the member of staff as it is."""


def allowed_next(status: str) -> tuple[str, ...]:
    return TRANSITIONS.get(status, ())


def change_status(session: Session, request, to_status: str, note: str, actor: str) -> StatusChange:
    """Moves `request` to `to_status` (or keeps it, to add a note), recording who and when.

    The note is internal and may mention health matters, so the audit entry names only the
    statuses, never the note."""
    note = (note or "").strip()
    if request.erased_at is not None:
        raise WorkflowError("This request was erased; its status can no longer change.")
    if len(note) > MAX_NOTE_LENGTH:
        raise WorkflowError(f"The note is too long (at most {MAX_NOTE_LENGTH} characters).")
    from_status = request.status
    if to_status == from_status:
        if not note:
            raise WorkflowError("Choose a new status or write a note.")
    elif to_status not in allowed_next(from_status):
        raise WorkflowError(
            f"A request that is {STATUS_LABELS.get(from_status, from_status).lower()} cannot become "
            f"{STATUS_LABELS.get(to_status, to_status).lower()}."
        )
    change = StatusChange(
        request_id=request.id,
        reference=request.reference,
        from_status=from_status,
        to_status=to_status,
        note=note,
        changed_by=actor,
    )
    session.add(change)
    request.status = to_status
    detail = f"{from_status} -> {to_status}" + (" with note" if note else "")
    audit.record(session, actor, "status_change", request.reference, detail)
    return change
