"""Saving a callback request ("please call me back") in one transaction, idempotently.

Same guarantees as the intake's storage, through the same `bot.db.store_once`: a retry with the
same idempotency key returns the first reference, a race is settled by the unique constraint, and
an unreachable database raises `StorageUnavailable`. Logs carry references only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from bot.consultation import check_language
from bot.db.base import session_scope
from bot.db.consent_texts import check_consent_text
from bot.db.models import CallbackRequest, utcnow
from bot.db.store_once import StorageUnavailable, store_submission, unavailable_as_storage_error  # noqa: F401
from bot.language import DEFAULT_LANGUAGE

CALLBACK_PREFIX = "CB-"
# E.164: "+", a country code that does not start with 0, at most 15 digits in all.
_E164 = re.compile(r"\+[1-9]\d{6,14}")


@dataclass(frozen=True)
class CallbackSubmission:
    """What the assistant collected. `consent_at` is when the patient agreed to their contact
    details being kept so the clinic can call them back (required: no consent, nothing stored),
    `consent_text` the question they agreed to, as shown, and `consent_version` its version;
    `language` the conversation's (bot/language.py), for the team to call back in."""

    idempotency_key: str
    channel: str
    conversation_id: str
    name: str
    phone: str
    consent_at: datetime
    preferred_time: str = ""
    consent_version: str | None = None
    consent_text: str | None = None
    language: str = DEFAULT_LANGUAGE

    def check(self) -> None:
        """Refuses what must never be stored, before touching the database."""
        if not (self.idempotency_key or "").strip():
            raise ValueError("idempotency_key is empty")
        check_language(self.language)
        if self.consent_at is None or self.consent_at.tzinfo is None:
            raise ValueError("consent_at must be an aware datetime: no consent, no stored contact details")
        check_consent_text(self.consent_version, self.consent_text)
        if not self.phone:
            raise ValueError("a callback request needs a phone number")
        if not _E164.fullmatch(self.phone):
            raise ValueError("phone must be in E.164 form, e.g. +447700900123")


@dataclass(frozen=True)
class SavedCallback:
    reference: str
    created: bool


def _callback_row(submission: CallbackSubmission, reference: str) -> CallbackRequest:
    now = utcnow()
    return CallbackRequest(
        reference=reference,
        idempotency_key=submission.idempotency_key,
        created_at=now,
        updated_at=now,
        channel=submission.channel,
        conversation_id=submission.conversation_id,
        name=submission.name or "",
        phone=submission.phone,
        preferred_time=submission.preferred_time or "",
        consent_at=submission.consent_at,
        consent_version=submission.consent_version,
        status="new",
        language=submission.language,
    )


def save_callback(url: str, submission: CallbackSubmission) -> SavedCallback:
    """Stores the callback request, or returns the one already stored under the same
    idempotency key (created=False)."""
    reference, created = store_submission(
        url, submission, CallbackRequest, CALLBACK_PREFIX, lambda new: _callback_row(submission, new), "callback"
    )
    return SavedCallback(reference, created)


def list_callbacks(url: str) -> list[CallbackRequest]:
    """Every callback request, oldest first (detached: safe to read after return)."""
    with unavailable_as_storage_error("callback"), session_scope(url) as session:
        return list(session.scalars(select(CallbackRequest).order_by(CallbackRequest.created_at, CallbackRequest.id)))
