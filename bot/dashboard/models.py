"""The dashboard's own tables: staff accounts, the status history of each request, the audit log.

They share `bot.db.base.Base` with the intake tables so one Alembic history covers both.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base
from bot.db.models import UTCDateTime  # also registers consultation_requests for the FK

ROLES = ("staff", "admin")
# Every action the audit log records, in the order the audit page's filter lists them.
AUDIT_ACTIONS = (
    "sign_in",
    "sign_in_failed",
    "account_locked",
    "sign_out",
    "list",
    "search",
    "view",
    "status_change",
    "export",
    "erase",
    "account_change",
    "callback_done",
    "callback_reopened",
    "refused",
    "purge",
)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class StaffUser(Base):
    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False, default="staff")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Copied into each session at sign-in; raising it ends every session of this account.
    session_epoch: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    failed_sign_ins: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Authenticator (TOTP) secret: pending until confirmed with a code (totp_enabled_at set).
    totp_secret: Mapped[str | None] = mapped_column(String(64), nullable=True)
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # no code used twice

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def has_totp(self) -> bool:
        return self.totp_enabled_at is not None and bool(self.totp_secret)

    def end_all_sessions(self) -> None:
        self.session_epoch = (self.session_epoch or 0) + 1


class StatusChange(Base):
    """One step of a request through the workflow. The reference is copied so the history still
    reads sensibly if the request row ever goes; the note is blanked on erasure."""

    __tablename__ = "status_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("consultation_requests.id", ondelete="SET NULL"), nullable=True, index=True
    )
    reference: Mapped[str] = mapped_column(String(32), nullable=False)
    from_status: Mapped[str] = mapped_column(String(16), nullable=False)
    to_status: Mapped[str] = mapped_column(String(16), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    changed_by: Mapped[str] = mapped_column(String(64), nullable=False)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class AuditEvent(Base):
    """Who did what and when. `detail` never holds patient data: counts, filters, status names."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64), nullable=False)
    action: Mapped[str] = mapped_column(String(32), nullable=False)
    reference: Mapped[str | None] = mapped_column(String(32), nullable=True)
    detail: Mapped[str] = mapped_column(String(500), nullable=False, default="")
