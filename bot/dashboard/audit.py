"""Writes the audit log. Callers pass references and counts, never what a patient typed."""
from __future__ import annotations

import getpass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.dashboard.models import AUDIT_ACTIONS, AuditEvent


def cli_actor() -> str:
    """Entries made from the command line name the operating-system user who ran it."""
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no passwd entry in some containers
        return "cli"


def record(session: Session, actor: str, action: str, reference: str | None = None, detail: str = "") -> None:
    if action not in AUDIT_ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    session.add(AuditEvent(actor=actor[:64], action=action, reference=reference, detail=detail[:500]))


def recent(session: Session, limit: int = 200, action: str | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(session.scalars(query))
