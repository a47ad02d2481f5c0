"""Who is asking: the signed-in account of a session, and `requires`, which every page but
sign-in and health goes through."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from bot.dashboard import audit
from bot.dashboard.auth import end_session, session_user_id
from bot.dashboard.models import StaffUser
from bot.dashboard.pages import flash, redirect, render, run_in_session


@dataclass(frozen=True)
class CurrentUser:
    """The signed-in account, detached from the database session that loaded it."""

    id: int
    username: str
    role: str
    has_totp: bool = False

    @classmethod
    def of(cls, user: StaffUser) -> "CurrentUser":
        return cls(user.id, user.username, user.role, user.has_totp)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def _load_current_user(session, user_id: int, epoch) -> CurrentUser | None:
    """The account of a session that has not been ended: sign-out, a password reset or
    deactivation raise the account's epoch, and every older session stops here."""
    user = session.get(StaffUser, user_id)
    if user is None or not user.active or epoch != user.session_epoch:
        return None
    return CurrentUser.of(user)


def must_enrol(request: Request, user: CurrentUser) -> bool:
    return request.app.state.require_admin_2fa and user.is_admin and not user.has_totp


def requires(role: str, before_enrolment: bool = False):
    """Signed-out visitors go to the sign-in page; a staff account asking for an admin page gets 403
    (audited). When the clinic requires a second factor for admins, an admin without one is sent to
    set it up first: only routes marked `before_enrolment` are open until then."""

    def decorator(endpoint):
        @functools.wraps(endpoint)
        async def wrapper(request: Request) -> Response:
            had_session = "user_id" in request.session
            user_id = session_user_id(request.session, request.app.state.session_policy)
            user = (
                await run_in_session(request, _load_current_user, user_id, request.session.get("epoch"))
                if user_id is not None
                else None
            )
            if user is None:
                if had_session:  # (a visit while the code page is open keeps that sign-in going)
                    end_session(request.session)
                    flash(request, "info", "Your session ended. Please sign in again.")
                # A form posted after the session ended is not replayed: it returns to the list.
                target = (
                    "/"
                    if request.method != "GET"
                    else (request.url.path + (f"?{request.url.query}" if request.url.query else ""))
                )
                return redirect("/signin?" + urlencode({"next": target}))
            request.state.user = user
            if must_enrol(request, user) and not before_enrolment:
                return redirect("/account")
            if role == "admin" and not user.is_admin:
                await run_in_session(
                    request,
                    audit.record,
                    user.username,
                    "refused",
                    None,
                    f"admins only: {request.method} {request.url.path}",
                )
                return render(
                    request,
                    "error.html",
                    {
                        "title": "Admins only",
                        "message": "This page is for admin accounts. Ask an admin if you need it.",
                    },
                    status_code=403,
                )
            return await endpoint(request)

        return wrapper

    return decorator
