"""Saving a callback request ("please call me back") in one transaction, idempotently.

Same guarantees as the intake's storage (bot.db.repository), whose reference alphabet, error
class and "is the database unreachable?" test are reused: a retry with the same idempotency key
returns the first reference, a race is settled by the unique constraint, and an unreachable
database raises `StorageUnavailable`. Logs carry references only, never names or numbers.
"""
from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError

from bot.db.base import session_scope
from bot.db.models import CallbackRequest, utcnow
from bot.db.repository import REFERENCE_ALPHABET, REFERENCE_LENGTH, StorageUnavailable, _is_unavailable

log = logging.getLogger(__name__)

CALLBACK_PREFIX = "CB-"
_REFERENCE_ATTEMPTS = 5
# E.164: "+", a country code that does not start with 0, at most 15 digits in all.
_E164 = re.compile(r"\+[1-9]\d{6,14}")


def new_callback_reference() -> str:
    return CALLBACK_PREFIX + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


@dataclass(frozen=True)
class CallbackSubmission:
    """What the assistant collected. `consent_at` is when the patient agreed to their contact
    details being kept so the clinic can call them back (required: no consent, nothing stored)."""

    idempotency_key: str
    channel: str
    conversation_id: str
    name: str
    phone: str
    consent_at: datetime
    preferred_time: str = ""

    def check(self) -> None:
        """Refuses what must never be stored, before touching the database."""
        if not (self.idempotency_key or "").strip():
            raise ValueError("idempotency_key is empty")
        if self.consent_at is None or self.consent_at.tzinfo is None:
            raise ValueError("consent_at must be an aware datetime: no consent, no stored contact details")
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
        reference=reference, idempotency_key=submission.idempotency_key, created_at=now, updated_at=now,
        channel=submission.channel, conversation_id=submission.conversation_id, name=submission.name or "",
        phone=submission.phone, preferred_time=submission.preferred_time or "",
        consent_at=submission.consent_at, status="new",
    )


def _existing(url: str, idempotency_key: str) -> SavedCallback | None:
    with session_scope(url) as session:
        reference = session.scalar(
            select(CallbackRequest.reference).where(CallbackRequest.idempotency_key == idempotency_key)
        )
    return SavedCallback(reference, created=False) if reference else None


def _reference_taken(url: str, reference: str) -> bool:
    with session_scope(url) as session:
        return session.scalar(select(CallbackRequest.id).where(CallbackRequest.reference == reference)) is not None


@contextmanager
def _unavailable_as_storage_error() -> Iterator[None]:
    """Turns "cannot reach / open the database" into StorageUnavailable; other errors pass."""
    try:
        yield
    except DBAPIError as error:
        if _is_unavailable(error):
            cause = type(error.orig).__name__ if error.orig else type(error).__name__
            log.warning("callback database unavailable: %s", cause)
            raise StorageUnavailable("the callback database could not be reached") from error
        raise
    except OSError as error:  # e.g. the SQLite file's folder cannot be created
        log.warning("callback database unavailable: %s", type(error).__name__)
        raise StorageUnavailable("the callback database could not be opened") from error


def save_callback(url: str, submission: CallbackSubmission) -> SavedCallback:
    """Stores the callback request, or returns the one already stored under the same
    idempotency key (created=False)."""
    submission.check()
    with _unavailable_as_storage_error():
        existing = _existing(url, submission.idempotency_key)
        if existing:
            log.info("callback retry matched stored request %s", existing.reference)
            return existing
        for _attempt in range(_REFERENCE_ATTEMPTS):
            reference = new_callback_reference()
            try:
                with session_scope(url) as session:
                    session.add(_callback_row(submission, reference))
                    session.flush()
            except IntegrityError:
                # Rolled back: a concurrent retry stored it first, or the random reference was
                # taken; any other constraint error is real and raised.
                existing = _existing(url, submission.idempotency_key)
                if existing:
                    log.info("callback race resolved to stored request %s", existing.reference)
                    return existing
                if _reference_taken(url, reference):
                    continue
                raise
            log.info("stored callback request %s", reference)
            return SavedCallback(reference, created=True)
    raise RuntimeError("could not find a free callback reference; this should not happen")


def list_callbacks(url: str) -> list[CallbackRequest]:
    """Every callback request, oldest first (detached: safe to read after return)."""
    with _unavailable_as_storage_error(), session_scope(url) as session:
        return list(session.scalars(
            select(CallbackRequest).order_by(CallbackRequest.created_at, CallbackRequest.id)
        ))
