"""Saving a finished intake in one transaction, idempotently, and reading requests back.

A retry of the same intake (same idempotency key) returns the first request's reference instead
of storing a second copy, even when two attempts race. When the database cannot be reached,
`StorageUnavailable` lets the action tell the patient to try again; nothing is half-written.
Logs carry references and error classes only, never personal data.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bot.consultation import PERSONAL_FIELDS, IntakeSubmission
from bot.db.base import session_scope
from bot.db.models import ConsultationRequest, ScreeningAnswer, utcnow
from bot.db.store_once import (  # noqa: F401  (StorageUnavailable, REFERENCE_ALPHABET: part of this module's interface)
    REFERENCE_ALPHABET,
    StorageUnavailable,
    store_submission,
    unavailable_as_storage_error,
)

REFERENCE_PREFIX = "MN-"


@dataclass(frozen=True)
class SavedRequest:
    reference: str
    outcome: str
    created: bool


def _request_row(submission: IntakeSubmission, reference: str) -> ConsultationRequest:
    now = utcnow()
    row = ConsultationRequest(
        reference=reference,
        idempotency_key=submission.idempotency_key,
        created_at=now,
        updated_at=now,
        channel=submission.channel,
        conversation_id=submission.conversation_id,
        **{name: getattr(submission, name) for name in PERSONAL_FIELDS},
        outcome=submission.outcome.value,
        consent_at=submission.consent_at,
        consent_version=submission.consent_version,
        status="new",
        language=submission.language,
    )
    row.answers = [
        ScreeningAnswer(
            rule_id=answer.rule_id,
            question=answer.question,
            answer=answer.answer_text,
            affirmed=answer.affirmed,
            level=answer.level.value if answer.level is not None else None,
            follow_up=answer.follow_up,
            position=position,
        )
        for position, answer in enumerate(submission.answers)
    ]
    return row


def _stored_outcome(url: str, reference: str) -> str:
    with session_scope(url) as session:
        return session.scalar(select(ConsultationRequest.outcome).where(ConsultationRequest.reference == reference))


def save_submission(url: str, submission: IntakeSubmission) -> SavedRequest:
    """Stores the request and its answers in one transaction, or returns the one already stored
    under the same idempotency key (created=False)."""
    reference, created = store_submission(
        url, submission, ConsultationRequest, REFERENCE_PREFIX, lambda new: _request_row(submission, new), "intake"
    )
    with unavailable_as_storage_error("intake"):
        outcome = submission.outcome.value if created else _stored_outcome(url, reference)
    return SavedRequest(reference, outcome, created)


def list_requests(url: str) -> list[ConsultationRequest]:
    """Every request, oldest first, with its answers loaded (detached: safe to read after return)."""
    with unavailable_as_storage_error("intake"), session_scope(url) as session:
        return list(
            session.scalars(
                select(ConsultationRequest)
                .options(selectinload(ConsultationRequest.answers))
                .order_by(ConsultationRequest.created_at, ConsultationRequest.id)
            )
        )
