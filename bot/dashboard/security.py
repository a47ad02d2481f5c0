"""Start-up security settings and the two middlewares every request passes: CSRF and headers.

CSRF is checked here, with no CSRF package: each session holds a random token (the signed
session cookie stores it), every form carries it as a hidden field (a plain HTML form cannot
set a header; an X-CSRF-Token header is accepted too), and `CSRFMiddleware` below compares the
two in constant time before any POST reaches a route.
"""

from __future__ import annotations

import ipaddress
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.private_files import create_once
from bot.settings import Settings

CSRF_FIELD = "csrf_token"
CSRF_HEADER = b"x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_FORM_BYTES = 64 * 1024  # our forms are small; a bigger body is refused before parsing
SECRET_KEY_FILE = "dashboard-secret.key"
MIN_KEY_LENGTH = 32


class DashboardConfigError(RuntimeError):
    """A setting is missing or unsafe; the message says which and how to fix it."""


@dataclass(frozen=True)
class SecurityConfig:
    secret_key: str
    secure_cookies: bool = True  # also sends HSTS
    require_admin_2fa: bool = False


def _is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def load_security_config(settings: Settings) -> SecurityConfig:
    """Secure cookies and HSTS are on unless the clinic says the dashboard is served over plain
    HTTP for local use (DASHBOARD_PLAIN_HTTP=1; `make run` sets it for its local dashboard when
    nothing is configured). The bind address does not decide it: behind a TLS reverse proxy the
    dashboard listens on loopback. The signing key is DASHBOARD_SECRET_KEY, or on loopback only a
    random one kept under var/ so restarts keep sessions."""
    if settings.dashboard_dev:
        raise DashboardConfigError(
            "DASHBOARD_DEV is no longer read: set DASHBOARD_PLAIN_HTTP=1 for a dashboard "
            "served over plain http on this machine, or remove it."
        )
    key = settings.dashboard_secret_key
    if key and len(key) < MIN_KEY_LENGTH:
        raise DashboardConfigError(f"DASHBOARD_SECRET_KEY must be at least {MIN_KEY_LENGTH} characters long.")
    if not key and settings.state_redis_url:
        raise DashboardConfigError(
            "STATE_REDIS_URL is set, so several dashboard replicas may serve the same staff: give them "
            "all one DASHBOARD_SECRET_KEY, or a sign-in on one would not be valid on another."
        )
    if not key and not _is_loopback(settings.dashboard_host):
        raise DashboardConfigError(
            f"The dashboard listens on {settings.dashboard_host}, which is not this machine only: set "
            "DASHBOARD_SECRET_KEY (e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`) "
            "and serve it over HTTPS."
        )
    return SecurityConfig(
        secret_key=key or create_once(settings.var_dir / SECRET_KEY_FILE, _new_key, MIN_KEY_LENGTH).decode(),
        secure_cookies=not settings.dashboard_plain_http,
        require_admin_2fa=settings.dashboard_require_admin_2fa,
    )


def _new_key() -> bytes:
    return secrets.token_urlsafe(48).encode("ascii")


def csrf_token(session_data: dict) -> str:
    """The session's CSRF token, created on first use (also before sign-in, for the sign-in form)."""
    token = session_data.get("csrf")
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        session_data["csrf"] = token
    return token


class CSRFMiddleware:
    """Rejects any unsafe request whose form field or X-CSRF-Token header does not match the
    session's token. Must sit inside SessionMiddleware. The body is read here once and replayed
    to the route, so the route parses the same form."""

    def __init__(self, app: ASGIApp, on_refused=None) -> None:
        self.app = app
        self.on_refused = on_refused  # async (scope) -> None: the app audits the refusal

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive, MAX_FORM_BYTES)
        if body is None:
            await _plain(send, 413, "The form is too large.")
            return
        if b"\x00" in body or b"%00" in body:
            # PostgreSQL refuses NUL in text: saving such a note or name would fail with a 500.
            await _plain(
                send,
                400,
                "The form contains an invisible control character that cannot be saved. "
                "Please go back, retype the text and try again.",
            )
            return
        expected = scope.get("session", {}).get("csrf")
        submitted = _submitted_token(scope, body)
        if not expected or not submitted or not secrets.compare_digest(expected, submitted):
            if self.on_refused is not None:
                await self.on_refused(scope)
            await _plain(
                send,
                403,
                "This form has expired or did not come from the dashboard. "
                "Please go back, reload the page and try again.",
            )
            return
        await self.app(scope, _replay(body), send)


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


def _submitted_token(scope: Scope, body: bytes) -> str | None:
    headers = dict(scope.get("headers", []))
    if CSRF_HEADER in headers:
        return headers[CSRF_HEADER].decode("latin-1")
    content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
    if content_type != b"application/x-www-form-urlencoded":
        return None  # our forms are urlencoded; multipart is not accepted anywhere
    try:
        values = parse_qs(body.decode("utf-8", errors="replace"), max_num_fields=100).get(CSRF_FIELD)
    except ValueError:  # more than 100 fields: no form of ours (was a 500)
        return None
    return values[0] if values else None


async def _plain(send: Send, status: int, text: str) -> None:
    body = text.encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'none'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


class SecurityHeadersMiddleware:
    """Same headers on every response: a CSP with no third-party hosts, no framing, no caching
    of anything but the static assets (pages carry patient data)."""

    def __init__(self, app: ASGIApp, hsts: bool) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_static = scope["path"].startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
                headers["X-Frame-Options"] = "DENY"
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "no-referrer"
                headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
                headers["Cross-Origin-Opener-Policy"] = "same-origin"
                if not is_static:
                    headers["Cache-Control"] = "no-store"
                if self.hsts:
                    headers["Strict-Transport-Security"] = "max-age=31536000"
            await send(message)

        await self.app(scope, receive, send_with_headers)
