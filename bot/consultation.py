"""The consultation request's vocabulary, defined once: screening levels and outcomes with their
order, request statuses and the moves between them, callback statuses, and the fields that hold a
patient's personal data, and what a finished intake submits (`IntakeSubmission`, with the checks
that refuse what must never be stored). Storage (its CHECK constraints), the actions, the
dashboard, erasure and both exports import it, so adding an outcome is one edit here, and a
personal column one field and one name here plus the model's column and a migration.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import total_ordering
from typing import TYPE_CHECKING, Any

from bot.consent import check_consent_text
from bot.language import DEFAULT_LANGUAGE, LANGUAGES

if TYPE_CHECKING:
    from bot.screening.answers import RuleAnswer


class VocabularyError(ValueError):
    """A value that is not one of the vocabulary's; the message names what is allowed."""


@total_ordering
class Level(enum.Enum):
    """What a "yes" to a screening rule means, ordered from least to most severe."""

    INFO = "info"  # the practitioner should know
    REVIEW = "review"  # a practitioner must clear it before booking
    DEFER = "defer"  # not now, later is fine
    EXCLUDE = "exclude"  # microneedling is not suitable

    @property
    def severity(self) -> int:
        return list(Level).index(self)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Level):
            return NotImplemented
        return self.severity < other.severity

    @classmethod
    def parse(cls, value: Any, where: str) -> Level:
        try:
            return cls(str(value).strip().lower())
        except ValueError:
            allowed = ", ".join(level.value for level in cls)
            raise VocabularyError(f"{where} must be one of {allowed}, got {value!r}") from None


class Outcome(str, enum.Enum):
    """A request's outcome: the most severe level among its answers decides it."""

    ELIGIBLE = "eligible"
    NEEDS_REVIEW = "needs_review"
    DEFERRED = "deferred"
    NOT_ELIGIBLE = "not_eligible"

    @property
    def label(self) -> str:
        """As staff see it on the dashboard."""
        return self.value.replace("_", " ").capitalize()


OUTCOME_OF_LEVEL = {
    Level.INFO: Outcome.ELIGIBLE,
    Level.REVIEW: Outcome.NEEDS_REVIEW,
    Level.DEFER: Outcome.DEFERRED,
    Level.EXCLUDE: Outcome.NOT_ELIGIBLE,
}
# Outcomes a practitioner still has to look at before anything is booked.
OUTCOMES_TO_REVIEW = (Outcome.NEEDS_REVIEW.value, Outcome.DEFERRED.value)


def outcome_for(levels: Iterable[Level | None]) -> Outcome:
    """`eligible` with no flags or info only; otherwise the outcome of the most severe level.
    None entries (answers that raised nothing) are ignored so callers can pass every answer's level."""
    raised = [level for level in levels if level is not None]
    return OUTCOME_OF_LEVEL[max(raised)] if raised else Outcome.ELIGIBLE


OUTCOMES = tuple(outcome.value for outcome in Outcome)
OUTCOME_LABELS = {outcome.value: outcome.label for outcome in Outcome}
LEVELS = tuple(level.value for level in Level)

# Where a consultation request is in the clinic's work (plain strings: stored, shown, compared).
STATUSES = ("new", "contacted", "booked", "declined", "closed")
STATUS_LABELS = {status: status.capitalize() for status in STATUSES}
# new -> contacted -> booked is the usual path; declined and closed end it, and can be reopened
# when a patient comes back.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "new": ("contacted", "declined", "closed"),
    "contacted": ("booked", "declined", "closed"),
    "booked": ("closed", "declined"),
    "declined": ("new",),
    "closed": ("new",),
}
# Statuses that still need someone to act.
OPEN_STATUSES = ("new", "contacted")
CALLBACK_STATUSES = ("new", "done")


# The request's columns that hold what the patient told us about themselves: exported, shown to
# staff, and blanked when a request is erased (erasure also blanks the link to the conversation).
PERSONAL_FIELDS = (
    "name",
    "date_of_birth",
    "age",
    "phone",
    "email",
    "preferred_contact",
    "concerns",
    "preferred_time",
    "health_notes",
)

# How staff read a way of being contacted (dashboard, export). Patients read the domain's
# utter_contact_method_* responses, in their language.
CONTACT_LABELS = {
    "phone": "Phone call",
    "sms": "Text message",
    "whatsapp": "WhatsApp",
    "telegram": "Telegram",
    "email": "Email",
}


def check_language(language: str) -> None:
    """A request's language is one of the conversation languages (bot/language.py)."""
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, got {language!r}")


@dataclass(frozen=True)
class IntakeSubmission:
    """Everything the intake collected. `answers` are in the order asked; `consent_at` is when the
    patient agreed to their health answers being stored (required: without consent nothing is),
    `consent_text` the question they agreed to, as shown, and `consent_version` its version;
    `language` the conversation's (bot/language.py), for the team to answer in."""

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
    answers: Sequence["RuleAnswer"] = field(default_factory=tuple)
    consent_version: str | None = None
    consent_text: str | None = None
    minimum_age: int | None = None  # the clinic's (clinic/screening.yml `age`): younger is never stored
    language: str = DEFAULT_LANGUAGE

    def check(self) -> None:
        """Refuses what must never be stored, before touching the database."""
        if not self.idempotency_key.strip():
            raise ValueError("idempotency_key is empty")
        check_language(self.language)
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
