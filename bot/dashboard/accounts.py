"""Creating and changing staff accounts, used by the command line and the admin page alike."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.dashboard import audit
from bot.dashboard.auth import find_user, hash_password, normalise_username, password_problem
from bot.dashboard.models import ROLES, StaffUser

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


class AccountError(ValueError):
    """The change cannot be made; the message says why in plain words."""


def create_account(session: Session, username: str, role: str, password: str, actor: str) -> StaffUser:
    username = normalise_username(username)
    if not _USERNAME.match(username):
        raise AccountError("Usernames are 2 to 64 characters: letters, digits, dot, dash, underscore.")
    if role not in ROLES:
        raise AccountError(f"Role must be one of: {', '.join(ROLES)}.")
    if find_user(session, username) is not None:
        raise AccountError(f"An account named {username} already exists.")
    problem = password_problem(password, username)
    if problem:
        raise AccountError(problem)
    user = StaffUser(username=username, role=role, password_hash=hash_password(password), active=True)
    session.add(user)
    audit.record(session, actor, "account_change", detail=f"created {username} ({role})")
    return user


def set_active(session: Session, username: str, active: bool, actor: str) -> StaffUser:
    user = _existing(session, username)
    if not active and user.username == normalise_username(actor):
        raise AccountError("You cannot deactivate your own account.")
    if not active and user.role == "admin" and user.active and _active_admins(session) <= 1:
        raise AccountError("This is the last active admin; create another admin first.")
    user.active = active
    if not active:
        user.end_all_sessions()
    audit.record(session, actor, "account_change", detail=f"{'activated' if active else 'deactivated'} {user.username}")
    return user


def set_role(session: Session, username: str, role: str, actor: str) -> StaffUser:
    if role not in ROLES:
        raise AccountError(f"Role must be one of: {', '.join(ROLES)}.")
    user = _existing(session, username)
    if user.role == "admin" and role != "admin" and user.active and _active_admins(session) <= 1:
        raise AccountError("This is the last active admin; create another admin first.")
    user.role = role
    audit.record(session, actor, "account_change", detail=f"set role of {user.username} to {role}")
    return user


def set_password(session: Session, username: str, password: str, actor: str) -> StaffUser:
    user = _existing(session, username)
    problem = password_problem(password, user.username)
    if problem:
        raise AccountError(problem)
    user.password_hash = hash_password(password)
    user.end_all_sessions()  # whoever knew the old password is signed out everywhere
    _clear_lock(user)  # a new password from an admin is a fresh start
    audit.record(session, actor, "account_change", detail=f"set password of {user.username}; sessions ended")
    return user


def unlock(session: Session, username: str, actor: str) -> StaffUser:
    user = _existing(session, username)
    if user.locked_at is None:
        raise AccountError(f"{user.username} is not locked.")
    _clear_lock(user)
    audit.record(session, actor, "account_change", detail=f"unlocked {user.username}")
    return user


def reset_second_factor(session: Session, username: str, actor: str) -> StaffUser:
    """For a lost phone: removes the account's authenticator and ends its sessions; the person
    signs in with the password and, if the clinic requires it, sets up a new one."""
    user = _existing(session, username)
    if not user.totp_secret:
        raise AccountError(f"{user.username} has no two-step sign-in to remove.")
    clear_second_factor(user)
    user.end_all_sessions()
    audit.record(session, actor, "account_change", detail=f"removed two-step sign-in of {user.username}")
    return user


def clear_second_factor(user: StaffUser) -> None:
    user.totp_secret, user.totp_enabled_at, user.totp_last_step = None, None, None


def _clear_lock(user: StaffUser) -> None:
    user.locked_at, user.failed_sign_ins = None, 0


def all_accounts(session: Session) -> list[StaffUser]:
    return list(session.scalars(select(StaffUser).order_by(StaffUser.username)))


def _existing(session: Session, username: str) -> StaffUser:
    user = find_user(session, username)
    if user is None:
        raise AccountError(f"There is no account named {normalise_username(username)}.")
    return user


def _active_admins(session: Session) -> int:
    return len(list(session.scalars(select(StaffUser.id).where(StaffUser.role == "admin", StaffUser.active.is_(True)))))
