"""A staff member's own account page: setting up, confirming and turning off two-step sign-in."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.dashboard import accounts, audit, totp
from bot.dashboard.access import must_enrol, requires
from bot.dashboard.models import StaffUser, utcnow
from bot.dashboard.pages import redirect, render, run_in_session

ACCOUNT_NOTICES = ("started", "on", "off", "wrong_code", "required", "unchanged")


def _account_view(session, user_id: int, issuer: str) -> dict:
    user = session.get(StaffUser, user_id)
    pending = bool(user.totp_secret) and not user.has_totp
    return {
        "has_totp": user.has_totp,
        "totp_since": user.totp_enabled_at,
        "pending": pending,
        "secret": totp.grouped(user.totp_secret) if pending else "",
        "otpauth_uri": totp.provisioning_uri(user.totp_secret, user.username, issuer) if pending else "",
    }


@requires("staff", before_enrolment=True)
async def account_page(request: Request) -> Response:
    state = request.app.state
    user = request.state.user
    view = await run_in_session(request, _account_view, user.id, state.clinic_name)
    notice = request.query_params.get("done", "")
    return render(
        request,
        "account.html",
        {
            **view,
            "notice": notice if notice in ACCOUNT_NOTICES else "",
            "must_enrol": must_enrol(request, user),
            "required_for_me": state.require_admin_2fa and user.is_admin,
        },
    )


def _change_second_factor(session, user_id: int, step: str, code: str, required: bool) -> str:
    """Starts, confirms or turns off the account's authenticator; returns an ACCOUNT_NOTICES key."""
    user = session.get(StaffUser, user_id)
    if step == "start" and not user.has_totp:
        user.totp_secret, user.totp_enabled_at, user.totp_last_step = totp.new_secret(), None, None
        return "started"
    if step == "confirm" and user.totp_secret and not user.has_totp:
        if not totp.use_code(user, code):
            return "wrong_code"
        user.totp_enabled_at = utcnow()
        audit.record(session, user.username, "account_change", detail=f"two-step sign-in turned on for {user.username}")
        return "on"
    if step == "turn_off" and user.has_totp:
        if required:
            return "required"
        if not totp.use_code(user, code):
            return "wrong_code"
        accounts.clear_second_factor(user)
        audit.record(
            session, user.username, "account_change", detail=f"two-step sign-in turned off for {user.username}"
        )
        return "off"
    return "unchanged"


@requires("staff", before_enrolment=True)
async def account_second_factor(request: Request) -> Response:
    user = request.state.user
    form = await request.form()
    required = request.app.state.require_admin_2fa and user.is_admin
    notice = await run_in_session(
        request, _change_second_factor, user.id, str(form.get("step", "")), str(form.get("code", ""))[:32], required
    )
    return redirect(f"/account?done={notice}")


routes = [
    Route("/account", account_page, methods=["GET"], name="account"),
    Route("/account/second-factor", account_second_factor, methods=["POST"], name="account_second_factor"),
]
