"""The intake's tables: one consultation request and its screening answers, callback requests,
and the consent texts patients agreed to.

Schema changes go through Alembic (migrations/versions/0001_intake.py mirrors this file, with the
later revisions' changes).
Times are stored timezone-aware in UTC; SQLite forgets the zone, so `UTCDateTime` puts it back.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.consultation import CALLBACK_STATUSES, LEVELS, OUTCOMES
from bot.db.base import Base


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out, whatever the database keeps."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class ConsultationRequest(Base):
    __tablename__ = "consultation_requests"
    __table_args__ = (
        UniqueConstraint("reference", name="uq_consultation_requests_reference"),
        UniqueConstraint("idempotency_key", name="uq_consultation_requests_idempotency_key"),
        CheckConstraint(_in("outcome", OUTCOMES), name="ck_consultation_requests_outcome"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), nullable=False)
    idempotency_key: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow, onupdate=utcnow)
    channel: Mapped[str] = mapped_column(String(32), nullable=False)
    conversation_id: Mapped[str] = mapped_column(String(200), nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    date_of_birth: Mapped[date | None] = mapped_column(Date, nullable=True)
    age: Mapped[int | None] = mapped_column(Integer, nullable=True)
    phone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    preferred_contact: Mapped[str] = mapped_column(String(16), nullable=False)
    concerns: Mapped[str] = mapped_column(Text, nullable=False)
    preferred_time: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    health_notes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    outcome: Mapped[str] = mapped_column(String(16), nullable=False, index=True)
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    consent_version: Mapped[str | None] = mapped_column(String(32), nullable=True)  # None: before 0004
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="new", server_default="new", index=True)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The conversation's language (bot/language.py LANGUAGES); "en" before 0007.
    language: Mapped[str] = mapped_column(String(8), nullable=False, default="en", server_default="en")

    consent_text: Mapped[ConsentText | None] = relationship(
        primaryjoin="foreign(ConsultationRequest.consent_version) == ConsentText.version",
        viewonly=True,
        lazy="selectin",
    )
    answers: Mapped[list[ScreeningAnswer]] = relationship(
        back_populates="request",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ScreeningAnswer.position",
    )


class ScreeningAnswer(Base):
    __tablename__ = "screening_answers"
    __table_args__ = (CheckConstraint(f"level IS NULL OR {_in('level', LEVELS)}", name="ck_screening_answers_level"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("consultation_requests.id", ondelete="CASCADE", name="fk_screening_answers_request_id"),
        nullable=False,
        index=True,
    )
    rule_id: Mapped[str] = mapped_column(String(64), nullable=False)
    question: Mapped[str] = mapped_column(Text, nullable=False)
    answer: Mapped[str] = mapped_column(Text, nullable=False)
    affirmed: Mapped[bool] = mapped_column(Boolean, nullable=False)
    level: Mapped[str | None] = mapped_column(String(16), nullable=True)
    follow_up: Mapped[str | None] = mapped_column(Text, nullable=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False)

    request: Mapped[ConsultationRequest] = relationship(back_populates="answers")


class CallbackRequest(Base):
    """A patient asked to talk to a person: the clinic calls them back. No health data here.
    Mirrored by migrations/versions/0003_callbacks.py."""

    __tablename__ = "callback_requests"
    __table_args__ = (
        UniqueConstraint("reference", name="uq_callback_requests_reference"),
        UniqueConstraint("idempotency_key", name="uq_callback_requests_idempotency_key"),
        CheckConstraint(_in("status", CALLBACK_STATUSES), name="ck_callback_requests_status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), nullable=False)
    idempotency_key: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow, onupdate=utcnow)
    channel: Mapped[str] = mapped_column(String(32), nullable=False)
    conversation_id: Mapped[str] = mapped_column(String(200), nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    phone: Mapped[str] = mapped_column(String(20), nullable=False)  # E.164; "" once erased
    preferred_time: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    consent_version: Mapped[str | None] = mapped_column(String(32), nullable=True)  # None: before 0004
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="new", server_default="new", index=True)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    handled_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The conversation's language (bot/language.py LANGUAGES); "en" before 0007.
    language: Mapped[str] = mapped_column(String(8), nullable=False, default="en", server_default="en")

    consent_text: Mapped[ConsentText | None] = relationship(
        primaryjoin="foreign(CallbackRequest.consent_version) == ConsentText.version",
        viewonly=True,
        lazy="selectin",
    )


class ConsentText(Base):
    """Each consent text a patient agreed to, under its version (`bot.consent.consent_version`).
    Not personal data, so never erased: an erased request still shows which text it agreed to.
    Requests refer to it by version without a database foreign key: adding one to the existing
    tables would mean rebuilding them on SQLite. Mirrored by migrations/versions/0004_consent_texts.py."""

    __tablename__ = "consent_texts"

    version: Mapped[str] = mapped_column(String(32), primary_key=True)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
