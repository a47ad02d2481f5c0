"""The optional second factor: time-based one-time codes (RFC 6238, pyotp) from an authenticator app.

The secret lives in the database (staff_users.totp_secret) and is never logged. A code is accepted
for its own 30-second step or one step either side (clocks drift), and never twice: the last step
used is stored and only later steps are accepted.
"""

from __future__ import annotations

import hmac
import re
import time

import pyotp

from bot.dashboard.models import StaffUser

DRIFT_STEPS = 1


def new_secret() -> str:
    return pyotp.random_base32()  # 32 base32 characters = 160 bits


def provisioning_uri(secret: str, username: str, issuer: str) -> str:
    """The otpauth:// address an authenticator app imports (typed in, or pasted on the same device)."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def use_code(user: StaffUser, code: str, now: float | None = None) -> bool:
    """True when `code` is right for the user's secret in a step not used before; remembers the step."""
    code = re.sub(r"\s", "", code or "")
    if not user.totp_secret or not re.fullmatch(r"\d{6}", code):
        return False
    totp = pyotp.TOTP(user.totp_secret)
    current = totp.timecode(time.time() if now is None else now)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if user.totp_last_step is not None and step <= user.totp_last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            user.totp_last_step = step
            return True
    return False
