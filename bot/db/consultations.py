"""Saving a finished intake in one transaction, idempotently, and reading requests back.

A retry of the same intake (same idempotency key) returns the first request's reference instead
of storing a second copy, even when two attempts race. When the database cannot be reached,
`StorageUnavailable` lets the action tell the patient to try again; nothing is half-written.
Logs carry references and error classes only, never personal data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bot.consultation import Outcome, outcome_for
from bot.db.base import session_scope
from bot.db.consent_texts import check_consent_text
from bot.db.models import ConsultationRequest, ScreeningAnswer, utcnow
from bot.db.store_once import (  # noqa: F401  (StorageUnavailable, REFERENCE_ALPHABET: part of this module's interface)
    REFERENCE_ALPHABET,
    StorageUnavailable,
    store_submission,
    unavailable_as_storage_error,
)
from bot.screening.answers import RuleAnswer

REFERENCE_PREFIX = "MN-"


@dataclass(frozen=True)
class IntakeSubmission:
    """Everything the intake collected. `answers` are in the order asked; `consent_at` is when the
    patient agreed to their health answers being stored (required: without consent nothing is),
    `consent_text` the question they agreed to, as shown, and `consent_version` its version."""

    idempotency_key: str
    channel: str
    conversation_id: str
    name: str
    preferred_contact: str
    concerns: str
    consent_at: datetime
    date_of_birth: date | None = None
    age: int | None = None
    phone: str | None = None
    email: str | None = None
    preferred_time: str = ""
    health_notes: str = ""
    answers: Sequence[RuleAnswer] = field(default_factory=tuple)
    consent_version: str | None = None
    consent_text: str | None = None
    minimum_age: int | None = None  # the clinic's (clinic/screening.yml `age`): younger is never stored

    def check(self) -> None:
        """Refuses what must never be stored, before touching the database."""
        if not self.idempotency_key.strip():
            raise ValueError("idempotency_key is empty")
        if self.consent_at is None or self.consent_at.tzinfo is None:
            raise ValueError("consent_at must be an aware datetime: no consent, no stored health data")
        check_consent_text(self.consent_version, self.consent_text)
        if self.age is not None and self.minimum_age is not None and self.age < self.minimum_age:
            raise ValueError(
                "patients under the clinic's minimum age are not taken through the intake; nothing is stored for them"
            )
        if not (self.phone or self.email):
            raise ValueError("a request needs a phone number or an email address to be contacted")

    @property
    def outcome(self) -> Outcome:
        return outcome_for(answer.level for answer in self.answers)


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
        name=submission.name,
        date_of_birth=submission.date_of_birth,
        age=submission.age,
        phone=submission.phone,
        email=submission.email,
        preferred_contact=submission.preferred_contact,
        concerns=submission.concerns,
        preferred_time=submission.preferred_time,
        health_notes=submission.health_notes,
        outcome=submission.outcome.value,
        consent_at=submission.consent_at,
        consent_version=submission.consent_version,
        status="new",
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
