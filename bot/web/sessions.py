"""Chat session ids the relay issues and can recognise.

A session id is the Rasa conversation (`web-<id>`), so whoever knows one can write into that
conversation. The relay therefore makes the ids itself (128 random bits) and hands each out with a
token, an HMAC of the id and its issue time under the server secret. Only the browser that got the
token can use the id; an id made up, or taken from somewhere without its token, is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass

# A token outlives the widget's own 4-hour idle expiry, so a long but active conversation is not
# cut off, yet a token copied from somewhere stops working within a day.
TOKEN_MAX_AGE_SECONDS = 24 * 60 * 60
_TOKEN = re.compile(r"^(\d{1,12})\.([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class IssuedSession:
    session_id: str
    token: str

    def as_json(self) -> dict[str, str]:
        return {"session_id": self.session_id, "token": self.token}


class SessionSigner:
    def __init__(self, secret: bytes, clock=time.time):
        self._secret = secret
        self._clock = clock

    def _signature(self, session_id: str, issued: int) -> str:
        digest = hmac.new(self._secret, f"web-session:{session_id}:{issued}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def issue(self) -> IssuedSession:
        session_id = secrets.token_hex(16)
        issued = int(self._clock())
        return IssuedSession(session_id, f"{issued}.{self._signature(session_id, issued)}")

    def verify(self, session_id: str, token: object) -> bool:
        match = _TOKEN.match(token) if isinstance(token, str) else None
        if match is None:
            return False
        issued = int(match.group(1))
        if not 0 <= self._clock() - issued <= TOKEN_MAX_AGE_SECONDS:
            return False
        return hmac.compare_digest(match.group(2), self._signature(session_id, issued))
