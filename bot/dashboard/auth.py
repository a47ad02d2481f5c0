"""Staff sign-in: argon2 password hashes, password rules, sign-in rate limiting, the account lockout,
session expiry, and the short wait between a right password and the authenticator code."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.dashboard.models import StaffUser, utcnow
from bot.limits import Limiter, MemoryLimiter

MIN_PASSWORD_LENGTH = 12
# Failed sign-ins in a row (wrong password or wrong code) after which the account is locked until an
# admin unlocks it. Stored on the account, so it holds across restarts and dashboard processes.
LOCKOUT_AFTER = 10
# How long the code page waits after the right password before the person must start again.
CODE_WAIT_SECONDS = 5 * 60
# Passwords that meet the length rule but are still the first ones an attacker tries.
_COMMON_PASSWORDS = frozenset(
    {
        "password1234",
        "password12345",
        "123456789012",
        "1234567890123",
        "qwertyuiop12",
        "qwertyuiopas",
        "letmein12345",
        "welcome12345",
        "administrator",
        "changeme1234",
        "iloveyou1234",
        "passwordpassword",
        "aaaaaaaaaaaa",
        "abcdefghijkl",
        "abc123abc123",
    }
)

_hasher = PasswordHasher()
# Verified against when the username is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def password_problem(password: str, username: str = "") -> str | None:
    """Why a new password is refused, in words a person can act on; None when it is acceptable."""
    if not password or not password.strip():
        return "The password is empty."
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"The password must be at least {MIN_PASSWORD_LENGTH} characters long."
    lowered = password.lower()
    if lowered in _COMMON_PASSWORDS or len(set(password)) < 5:
        return "The password is too easy to guess; use a longer phrase of unrelated words."
    if username and username.lower() in lowered:
        return "The password must not contain the username."
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def normalise_username(username: str) -> str:
    return username.strip().lower()


def find_user(session: Session, username: str) -> StaffUser | None:
    return session.scalar(select(StaffUser).where(func.lower(StaffUser.username) == normalise_username(username)))


@dataclass(frozen=True)
class PasswordCheck:
    """What a username and password amount to. `user` is the known account typed (None when no
    such account exists), so a failure is only ever credited to a real account."""

    user: StaffUser | None
    ok: bool  # right password for an active account
    locked_now: bool = False  # this failure locked the account

    @property
    def locked(self) -> bool:
        return self.user is not None and self.user.locked_at is not None


def check_password(session: Session, username: str, password: str, lockout_after: int = LOCKOUT_AFTER) -> PasswordCheck:
    """Checks the password (same cost for unknown names), counts a failure against a known active
    account and upgrades old hashes. Does not sign in: see `record_success`."""
    user = find_user(session, username) if username.strip() else None
    if user is None or not user.active:
        verify_password(_DUMMY_HASH, password)
        return PasswordCheck(user, ok=False)
    if not verify_password(user.password_hash, password):
        return PasswordCheck(user, ok=False, locked_now=record_failure(user, lockout_after))
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return PasswordCheck(user, ok=True)


def record_failure(user: StaffUser, lockout_after: int = LOCKOUT_AFTER) -> bool:
    """Counts a failed sign-in (password or code); True when this failure locks the account."""
    user.failed_sign_ins = (user.failed_sign_ins or 0) + 1
    if user.locked_at is None and user.failed_sign_ins >= lockout_after:
        user.locked_at = utcnow()
        return True
    return False


def record_success(user: StaffUser) -> None:
    user.failed_sign_ins = 0
    user.last_sign_in_at = utcnow()


def authenticate(session: Session, username: str, password: str) -> StaffUser | None:
    """The active, unlocked account these credentials belong to, or None (password only)."""
    check = check_password(session, username, password)
    if not check.ok or check.locked:
        return None
    record_success(check.user)
    return check.user


@dataclass(frozen=True)
class SignInAttempt:
    retry_after: int  # seconds to wait before trying again; 0: this attempt may check the password
    last: bool  # it was this account's last attempt of the window (its pause starts if it fails)


class SignInLimiter:
    """Sign-in attempts per account and per client address, each attempt counted before its password
    is checked, so a burst of parallel guesses gets no more than the limit however it is timed.

    Shared through bot.limits (Redis when STATE_REDIS_URL is set, else this process's memory). A
    success forgets the account's count (staff who type their password wrong and then right are
    not paused) but never the address's, so one known password cannot reset a guessing client.
    """

    def __init__(
        self,
        max_failures: int = 5,
        window_seconds: int = 15 * 60,
        max_per_address: int = 20,
        clock=time.monotonic,
        limits: Limiter | None = None,
    ):
        self.max_failures = max_failures  # per account
        self.max_per_address = max_per_address
        self.window_seconds = window_seconds
        self._limits = limits or MemoryLimiter(clock=clock)

    def attempt(self, username: str, client: str) -> SignInAttempt:
        address = self._limits.reserve(f"signin:address:{client}", self.max_per_address, self.window_seconds)
        if not address.allowed:
            return SignInAttempt(address.retry_after, False)
        account = self._limits.reserve(
            f"signin:account:{normalise_username(username)}", self.max_failures, self.window_seconds
        )
        return SignInAttempt(account.retry_after, account.allowed and account.remaining == 0)

    def succeeded(self, username: str, client: str) -> None:
        self._limits.forget(f"signin:account:{normalise_username(username)}")


@dataclass(frozen=True)
class SessionPolicy:
    """A session ends 8 hours after sign-in, or after 30 minutes without a request."""

    absolute_seconds: int = 8 * 60 * 60
    idle_seconds: int = 30 * 60


def start_session(session_data: dict, user_id: int, epoch: int, now: float | None = None) -> None:
    """Replaces whatever the cookie held, so nothing from before sign-in carries over. `epoch` is
    the account's session_epoch: raising it on the account ends this session on its next request."""
    now = time.time() if now is None else now
    session_data.clear()
    session_data.update(
        {
            "user_id": user_id,
            "epoch": epoch,
            "signed_in_at": now,
            "last_seen": now,
            "csrf": secrets.token_urlsafe(32),
        }
    )


def session_user_id(session_data: dict, policy: SessionPolicy, now: float | None = None) -> int | None:
    """The signed-in account id if the session is still valid; refreshes its idle timer.
    The caller also checks `session_data["epoch"]` against the account."""
    now = time.time() if now is None else now
    user_id = session_data.get("user_id")
    signed_in_at = session_data.get("signed_in_at")
    last_seen = session_data.get("last_seen")
    if (
        not isinstance(user_id, int)
        or not isinstance(signed_in_at, (int, float))
        or not isinstance(last_seen, (int, float))
    ):
        return None
    if now - signed_in_at > policy.absolute_seconds or now - last_seen > policy.idle_seconds:
        end_session(session_data)
        return None
    session_data["last_seen"] = now
    return user_id


def end_session(session_data: dict) -> None:
    session_data.clear()


def start_code_wait(session_data: dict, user_id: int, epoch: int, target: str, now: float | None = None) -> None:
    """The password was right and the account has an authenticator: not signed in yet."""
    now = time.time() if now is None else now
    session_data.clear()
    session_data.update(
        {
            "code_user_id": user_id,
            "code_epoch": epoch,
            "code_since": now,
            "next": target,
            "csrf": secrets.token_urlsafe(32),
        }
    )


def code_wait(session_data: dict, now: float | None = None) -> tuple[int, int, str] | None:
    """(account id, epoch, page to go to) while the code page is still open; None otherwise."""
    now = time.time() if now is None else now
    user_id, epoch, since = (session_data.get(key) for key in ("code_user_id", "code_epoch", "code_since"))
    if not isinstance(user_id, int) or not isinstance(epoch, int) or not isinstance(since, (int, float)):
        return None
    if now - since > CODE_WAIT_SECONDS:
        return None
    return user_id, epoch, str(session_data.get("next") or "/")
