"""Writes the audit log. Callers pass references and counts, never what a patient typed."""

from __future__ import annotations

import os
import pwd

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.dashboard.models import AUDIT_ACTIONS, AuditEvent


def cli_actor() -> str:
    """Audit entries from the command line name the operating-system user who ran it: the
    account of the process, and the terminal's login when someone else ran it through sudo.
    Not getpass.getuser(): it trusts the environment, down to $USERNAME, which `make staff-add
    USERNAME=...` sets to the new account's name."""
    try:
        user = pwd.getpwuid(os.getuid()).pw_name
    except KeyError:  # no passwd entry in some containers
        user = f"uid {os.getuid()}"
    try:
        login = os.getlogin()
    except OSError:  # no controlling terminal (a pipe, cron, CI)
        login = user
    return f"cli:{user}" if login == user else f"cli:{login} as {user}"


def record(session: Session, actor: str, action: str, reference: str | None = None, detail: str = "") -> None:
    if action not in AUDIT_ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    session.add(AuditEvent(actor=actor[:64], action=action, reference=reference, detail=detail[:500]))


def recent(session: Session, limit: int = 200, action: str | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(session.scalars(query))
