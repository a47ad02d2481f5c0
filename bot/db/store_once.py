"""Storing a row once per idempotency key, under a fresh reference staff can read over the phone.

Consultation requests and callback requests are both stored this way: a retry with the same key
gets the first row's reference back, two attempts racing are settled by the key's unique
constraint, a (rare) reference collision draws a new one, and an unreachable database becomes
`StorageUnavailable` so the patient can be asked to try again. Logs carry references only.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError

from bot.db.base import Base, session_scope
from bot.db.consent_texts import remember_consent_text

log = logging.getLogger(__name__)

# No 0/O, 1/I/L, so a reference read over the phone is not misheard or mistyped.
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
REFERENCE_LENGTH = 6
REFERENCE_ATTEMPTS = 5


class StorageUnavailable(RuntimeError):
    """The database could not be reached or did not answer; nothing was stored."""


def new_reference(prefix: str) -> str:
    return prefix + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


def is_unavailable(error: DBAPIError) -> bool:
    return isinstance(error, (OperationalError, InterfaceError)) or error.connection_invalidated


@contextmanager
def unavailable_as_storage_error(what: str) -> Iterator[None]:
    """Turns "cannot reach / open the database" into StorageUnavailable; other errors pass."""
    try:
        yield
    except DBAPIError as error:
        if is_unavailable(error):
            cause = type(error.orig).__name__ if error.orig else type(error).__name__
            log.warning("%s database unavailable: %s", what, cause)
            raise StorageUnavailable(f"the {what} database could not be reached") from error
        raise
    except OSError as error:  # e.g. the SQLite file's folder cannot be created
        log.warning("%s database unavailable: %s", what, type(error).__name__)
        raise StorageUnavailable(f"the {what} database could not be opened") from error


def stored_reference(url: str, model: type[Base], idempotency_key: str) -> str | None:
    with session_scope(url) as session:
        return session.scalar(select(model.reference).where(model.idempotency_key == idempotency_key))


def _reference_taken(url: str, model: type[Base], reference: str) -> bool:
    with session_scope(url) as session:
        return session.scalar(select(model.id).where(model.reference == reference)) is not None


def store_once(
    url: str, model: type[Base], idempotency_key: str, prefix: str, build_row: Callable[[str], Base]
) -> tuple[str, bool]:
    """(reference, created): the new row's reference, or the one stored before under this key."""
    existing = stored_reference(url, model, idempotency_key)
    if existing:
        log.info("retry matched stored %s", existing)
        return existing, False
    for _attempt in range(REFERENCE_ATTEMPTS):
        reference = new_reference(prefix)
        try:
            with session_scope(url) as session:
                session.add(build_row(reference))
                session.flush()
        except IntegrityError:
            # Rolled back: a concurrent retry stored it first, or the random reference was taken;
            # any other constraint error is real and raised.
            existing = stored_reference(url, model, idempotency_key)
            if existing:
                log.info("race resolved to stored %s", existing)
                return existing, False
            if _reference_taken(url, model, reference):
                continue
            raise
        log.info("stored %s", reference)
        return reference, True
    raise RuntimeError("could not find a free reference; this should not happen")


def store_submission(url: str, submission, model: type[Base], prefix: str, build_row: Callable[[str], Base], what: str):
    """(reference, created) for a checked patient submission (a consultation or a callback request):
    the consent text it agreed to first, so a stored request never names a missing one, then the
    row once per idempotency key. Raises StorageUnavailable when the database does not answer."""
    submission.check()
    with unavailable_as_storage_error(what):
        if submission.consent_version:
            remember_consent_text(url, submission.consent_version, submission.consent_text)
        return store_once(url, model, submission.idempotency_key, prefix, build_row)
