"""Signing in (password, then a code when the account has two-step sign-in) and out."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.client_address import client_address
from bot.dashboard import audit
from bot.dashboard.access import must_enrol, requires
from bot.dashboard.auth import SignInLimiter, code_wait, end_session, start_code_wait, start_session
from bot.dashboard.models import StaffUser
from bot.dashboard.pages import flash, log, redirect, render, run_in_session
from bot.dashboard.signin_steps import SignInStep, code_step, password_step


def _safe_next(target: str | None) -> str:
    """Only our own paths, so the sign-in page cannot be used to send staff elsewhere."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _client(request: Request) -> str:
    return client_address(request, request.app.state.trusted_proxy_hops)


async def signin_page(request: Request) -> Response:
    return render(request, "signin.html", {"next": _safe_next(request.query_params.get("next"))})


async def signin_submit(request: Request) -> Response:
    form = await request.form()
    username = str(form.get("username", ""))[:64]
    password = str(form.get("password", ""))[:1024]
    target = _safe_next(str(form.get("next", "")))
    state = request.app.state
    limiter: SignInLimiter = state.limiter
    # Counted before the password is checked: parallel guesses cannot slip past the limit.
    attempt = await run_in_threadpool(limiter.attempt, username, _client(request))
    if attempt.retry_after:
        return render(
            request,
            "signin.html",
            {
                "next": target,
                "username": username,
                "problem": "paused",
                "minutes": max(1, round(attempt.retry_after / 60)),
            },
            status_code=429,
        )
    step = await run_in_session(request, password_step, username, password, state.lockout_after)
    if step.outcome == "mismatch" and attempt.last:
        # Recorded once, when the pause starts; attempts during the pause are not written.
        pause = f"{limiter.max_failures} failures: sign-in paused for {limiter.window_seconds // 60} minutes"
        await run_in_session(request, audit.record, step.actor, "sign_in_failed", None, pause)
    if step.outcome in ("mismatch", "locked"):
        return render(
            request,
            "signin.html",
            {"next": target, "username": username, "problem": step.outcome, "lockout_after": state.lockout_after},
            status_code=401,
        )
    await run_in_threadpool(limiter.succeeded, username, _client(request))
    if step.outcome == "code":
        start_code_wait(request.session, step.user.id, step.epoch, target)
        return redirect("/signin/code")
    return _start(request, step, target)


def _start(request: Request, step: SignInStep, target: str) -> Response:
    start_session(request.session, step.user.id, step.epoch)
    log.info("staff sign-in user_id=%s", step.user.id)
    return redirect("/account" if must_enrol(request, step.user) else target)


async def signin_code_page(request: Request) -> Response:
    if code_wait(request.session) is None:
        return redirect("/signin")
    return render(request, "signin_code.html")


async def signin_code_submit(request: Request) -> Response:
    state = request.app.state
    waiting = code_wait(request.session)
    form = await request.form()
    step = (
        await run_in_session(
            request, code_step, waiting[0], waiting[1], str(form.get("code", ""))[:32], state.lockout_after
        )
        if waiting
        else SignInStep("expired")
    )
    if step.outcome == "wrong_code":
        return render(request, "signin_code.html", {"problem": "wrong_code"}, status_code=401)
    if step.outcome != "signed_in":
        end_session(request.session)
        return render(
            request,
            "signin.html",
            {"next": "/", "problem": step.outcome, "lockout_after": state.lockout_after},
            status_code=401,
        )
    return _start(request, step, waiting[2])


def _end_sessions(session, user_id: int) -> None:
    user = session.get(StaffUser, user_id)
    user.end_all_sessions()
    audit.record(session, user.username, "sign_out")


@requires("staff", before_enrolment=True)
async def signout(request: Request) -> Response:
    await run_in_session(request, _end_sessions, request.state.user.id)
    end_session(request.session)
    flash(request, "info", "You are signed out.")
    return redirect("/signin")


routes = [
    Route("/signin", signin_page, methods=["GET"], name="signin"),
    Route("/signin", signin_submit, methods=["POST"]),
    Route("/signin/code", signin_code_page, methods=["GET"], name="signin_code"),
    Route("/signin/code", signin_code_submit, methods=["POST"]),
    Route("/signout", signout, methods=["POST"], name="signout"),
]
