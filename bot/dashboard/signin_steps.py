"""The database side of signing in: a password, then (when the account has one) an authenticator
code. Each step counts failures, locks the account after too many and writes the audit entries."""

from __future__ import annotations

from dataclasses import dataclass

from bot.dashboard import audit, totp
from bot.dashboard.access import CurrentUser
from bot.dashboard.auth import check_password, record_failure, record_success
from bot.dashboard.models import StaffUser

# A failed sign-in names the account only when it exists; what was typed is never stored.
UNKNOWN_ACCOUNT = "(unknown account)"


@dataclass(frozen=True)
class SignInStep:
    """Where a sign-in attempt got to: "signed_in", "code" (password right, code needed),
    "wrong_code", "locked", "expired" (code page timed out) or "mismatch"."""

    outcome: str
    actor: str = UNKNOWN_ACCOUNT
    user: CurrentUser | None = None
    epoch: int = 0


def _signed_in(session, user: StaffUser, detail: str = "") -> SignInStep:
    record_success(user)
    audit.record(session, user.username, "sign_in", detail=detail)
    return SignInStep("signed_in", user.username, CurrentUser.of(user), user.session_epoch)


def _failed(session, user: StaffUser | None, why: str, locked_now: bool, lockout_after: int) -> None:
    audit.record(session, user.username if user else UNKNOWN_ACCOUNT, "sign_in_failed", detail=why)
    if locked_now:
        audit.record(
            session,
            user.username,
            "account_locked",
            detail=f"{lockout_after} failed sign-ins in a row; an admin can unlock it",
        )


def password_step(session, username: str, password: str, lockout_after: int) -> SignInStep:
    check = check_password(session, username, password, lockout_after)
    user = check.user
    if not check.ok:
        why = "" if user is None else ("inactive account" if not user.active else "wrong password")
        _failed(session, user, why, check.locked_now, lockout_after)
        return SignInStep("mismatch", user.username if user else UNKNOWN_ACCOUNT)
    if check.locked:
        _failed(session, user, "account locked", False, lockout_after)
        return SignInStep("locked", user.username)
    if user.has_totp:
        return SignInStep("code", user.username, CurrentUser.of(user), user.session_epoch)
    return _signed_in(session, user)


def code_step(session, user_id: int, epoch: int, code: str, lockout_after: int) -> SignInStep:
    user = session.get(StaffUser, user_id)
    if user is None or not user.active or user.session_epoch != epoch or not user.has_totp:
        return SignInStep("expired")
    if user.locked_at is not None:
        _failed(session, user, "account locked", False, lockout_after)
        return SignInStep("locked", user.username)
    if not totp.use_code(user, code):
        locked_now = record_failure(user, lockout_after)
        _failed(session, user, "wrong authenticator code", locked_now, lockout_after)
        return SignInStep("locked" if locked_now else "wrong_code", user.username)
    return _signed_in(session, user, "with authenticator code")
