"""Right to erasure: removes a request's personal and health data, keeping only what proves the
request existed and was erased (reference, outcome, channel, dates, audit entry)."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from bot.consultation import PERSONAL_FIELDS
from bot.dashboard import audit
from bot.dashboard.models import StatusChange, utcnow
from bot.db.models import CallbackRequest, ConsultationRequest, ScreeningAnswer
from bot.privacy.conversations import delete_conversation

# What the patient told us, and the link to their conversation.
PERSONAL_COLUMNS = (*PERSONAL_FIELDS, "conversation_id")


class ErasureError(ValueError):
    pass


def _blank_value(column):
    """None where the column allows it, otherwise the emptiest value of its type."""
    if column.nullable:
        return None
    python_type = column.type.python_type
    if python_type is str:
        return ""
    if python_type in (list, dict):
        return python_type()
    raise ErasureError(f"cannot blank required column {column.name}")


def _delete_linked_conversation(tracker_store_url: str | None, conversation_id: str) -> None:
    # Before the link goes: the conversation id is the only way to find the chat in Rasa's store.
    if tracker_store_url and conversation_id:
        delete_conversation(tracker_store_url, conversation_id)


def erase_request(
    session: Session, request: ConsultationRequest, actor: str, tracker_store_url: str | None = None
) -> None:
    """Deletes what Rasa's tracker store still holds of the conversation, blanks every personal column, deletes the screening answers (they are health data even
    without the patient's words: 'pregnant: yes'), blanks the notes staff wrote about the request,
    and closes it. The idempotency key can be derived from the conversation, so it is replaced."""
    _delete_linked_conversation(tracker_store_url, request.conversation_id)
    table = ConsultationRequest.__table__
    for name in PERSONAL_COLUMNS:
        if name in table.c:
            setattr(request, name, _blank_value(table.c[name]))
    if "idempotency_key" in table.c:
        request.idempotency_key = f"erased-{request.reference}"
    session.execute(delete(ScreeningAnswer).where(ScreeningAnswer.request_id == request.id))
    session.execute(update(StatusChange).where(StatusChange.request_id == request.id).values(note=""))
    from_status = request.status
    request.status = "closed"
    request.erased_at = utcnow()
    session.add(
        StatusChange(
            request_id=request.id,
            reference=request.reference,
            from_status=from_status,
            to_status="closed",
            note="",
            changed_by=actor,
        )
    )
    audit.record(session, actor, "erase", request.reference, "personal data erased on the patient's request")
    session.expire(request, ["answers"])


CALLBACK_PERSONAL_COLUMNS = ("name", "phone", "preferred_time", "conversation_id")


def erase_callback(
    session: Session, callback: CallbackRequest, actor: str, tracker_store_url: str | None = None
) -> None:
    """Deletes the conversation from Rasa's tracker store, blanks the name, number, preferred time and conversation id (which holds a Telegram chat
    id), replaces the idempotency key (derived from the conversation) and marks it done: there is
    no one left to call. The reference, channel, dates and an audit entry remain."""
    _delete_linked_conversation(tracker_store_url, callback.conversation_id)
    table = CallbackRequest.__table__
    for name in CALLBACK_PERSONAL_COLUMNS:
        setattr(callback, name, _blank_value(table.c[name]))
    callback.idempotency_key = f"erased-{callback.reference}"
    callback.status = "done"
    callback.erased_at = utcnow()
    audit.record(
        session, actor, "erase", callback.reference, "callback contact details erased on the patient's request"
    )


def erase_conversation_requests(session: Session, conversation_id: str, actor: str) -> list[str]:
    """Erases every consultation and callback request sent from one conversation (a patient's
    "delete my data"); returns their references. Already erased ones have no conversation id left."""
    references = []
    for item in session.scalars(
        select(ConsultationRequest).where(ConsultationRequest.conversation_id == conversation_id)
    ):
        erase_request(session, item, actor)
        references.append(item.reference)
    for callback in session.scalars(select(CallbackRequest).where(CallbackRequest.conversation_id == conversation_id)):
        erase_callback(session, callback, actor)
        references.append(callback.reference)
    return references
