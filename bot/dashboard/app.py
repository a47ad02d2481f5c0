"""The app factory: middleware, routes (`bot/dashboard/routes/`) and the settings routes read."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from bot.dashboard import audit
from bot.dashboard.auth import LOCKOUT_AFTER, SessionPolicy, SignInLimiter
from bot.dashboard.models import StaffUser
from bot.dashboard.request_log import RequestLogMiddleware
from bot.dashboard.routes import ROUTES
from bot.dashboard.security import CSRFMiddleware, SecurityConfig, SecurityHeadersMiddleware
from bot.db.base import session_scope
from bot.http_guard import RefuseBadAddresses
from bot.limits import configured_limiter

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "dashboard_session"


def _csrf_refusal_recorder(database_url: str):
    """Audits a refused form post when it came with a live session of a known account (a forged
    cross-site post against staff); anonymous refusals, and those with a session that has ended
    (signed out, password reset), are only in the request log."""

    def record(user_id: int, epoch, method: str, path: str) -> None:
        with session_scope(database_url) as session:
            user = session.get(StaffUser, user_id)
            if user is not None and epoch == user.session_epoch:  # an ended session names nobody
                audit.record(session, user.username, "refused", None, f"form token missing or wrong: {method} {path}")

    async def on_refused(scope) -> None:
        session = scope.get("session", {})
        user_id = session.get("user_id")
        if isinstance(user_id, int):
            await run_in_threadpool(record, user_id, session.get("epoch"), scope["method"], scope["path"])

    return on_refused


def create_app(
    database_url: str,
    security: SecurityConfig,
    tz: ZoneInfo | None = None,
    limiter: SignInLimiter | None = None,
    session_policy: SessionPolicy | None = None,
    clinic_name: str = "Clinic",
    tracker_store_url: str | None = None,
    lockout_after: int = LOCKOUT_AFTER,
    trusted_proxy_hops: int = 0,
) -> Starlette:
    session_policy = session_policy or SessionPolicy()
    middleware = [
        Middleware(RequestLogMiddleware),
        Middleware(SecurityHeadersMiddleware, hsts=security.secure_cookies),
        Middleware(RefuseBadAddresses),
        Middleware(
            SessionMiddleware,
            secret_key=security.secret_key,
            session_cookie=SESSION_COOKIE,
            max_age=session_policy.absolute_seconds,
            same_site="strict",
            https_only=security.secure_cookies,
        ),
        Middleware(CSRFMiddleware, on_refused=_csrf_refusal_recorder(database_url)),
    ]
    routes = [*ROUTES, Mount("/static", StaticFiles(directory=HERE / "static"), name="static")]
    app = Starlette(routes=routes, middleware=middleware)
    app.state.database_url = database_url
    app.state.tracker_store_url = tracker_store_url  # erasure also deletes the request's conversation there
    app.state.tz = tz or ZoneInfo("UTC")
    app.state.limiter = limiter or SignInLimiter(limits=configured_limiter())
    app.state.session_policy = session_policy
    app.state.lockout_after = lockout_after
    app.state.trusted_proxy_hops = trusted_proxy_hops  # sign-in limits count per client address
    app.state.require_admin_2fa = security.require_admin_2fa
    app.state.clinic_name = clinic_name
    app.state.templates = Jinja2Templates(directory=HERE / "templates")
    return app
