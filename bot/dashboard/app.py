"""The dashboard's routes (declared in one list at the bottom) and the app factory."""
from __future__ import annotations

import functools
import logging
import os
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from bot.channels import CHANNEL_LABELS
from bot.dashboard import accounts, audit, callbacks, queries, totp
from bot.dashboard.accounts import AccountError
from bot.dashboard.auth import (
    LOCKOUT_AFTER, SessionPolicy, SignInLimiter, check_password, code_wait, end_session, record_failure,
    record_success, session_user_id, start_code_wait, start_session,
)
from bot.dashboard.callbacks import CALLBACK_STATUS_LABELS, CallbackError
from bot.dashboard.erasure import erase_callback, erase_request
from bot.dashboard.models import ROLES, StaffUser, utcnow
from bot.dashboard.queries import OUTCOME_LABELS, OUTCOMES, RequestFilters
from bot.dashboard.security import (
    CSRF_FIELD, CSRFMiddleware, DashboardConfigError, SecurityConfig, SecurityHeadersMiddleware, csrf_token,
)
from bot.dashboard.views import BLOCKING_LEVELS, LEVEL_LABELS, as_text, local_time
from bot.dashboard.workflow import STATUS_LABELS, STATUSES, WorkflowError, allowed_next, change_status
from bot.db.base import session_scope
from bot.export import requests_csv
from bot.http_guard import RefuseBadAddresses
from bot.intake.contact import CONTACT_LABELS
from bot.limits import configured_limiter

log = logging.getLogger("bot.dashboard")
HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "dashboard_session"
AUDIT_ACTIONS_SHOWN = ("sign_in", "sign_in_failed", "account_locked", "sign_out", "list", "search", "view",
                       "status_change", "export", "erase", "account_change", "callback_done", "callback_reopened",
                       "refused", "purge")
# A failed sign-in names the account only when it exists; what was typed is never stored.
UNKNOWN_ACCOUNT = "(unknown account)"


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


def timezone_from_env(environ=os.environ) -> ZoneInfo:
    name = environ.get("DASHBOARD_TIMEZONE", "").strip() or "UTC"
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise DashboardConfigError(f"DASHBOARD_TIMEZONE={name!r} is not a known time zone (e.g. Europe/London).") from error


# ---------------------------------------------------------------- helpers used by every route

def _config(request: Request):
    return request.app.state


async def _db(request: Request, work, *args):
    """Runs `work(session, *args)` in one unit of work off the event loop (SQL and argon2 block)."""
    url = _config(request).database_url

    def run():
        with session_scope(url) as session:
            return work(session, *args)

    return await run_in_threadpool(run)


def _render(request: Request, template: str, context: dict | None = None, status_code: int = 200) -> Response:
    state = _config(request)
    base = {
        "user": getattr(request.state, "user", None),
        "csrf_field": CSRF_FIELD,
        "csrf_token": csrf_token(request.session),
        "flashes": request.session.pop("flash", []),
        "clinic_name": state.clinic_name,
        "outcome_labels": OUTCOME_LABELS,
        "status_labels": STATUS_LABELS,
        "level_labels": LEVEL_LABELS,
        "contact_labels": CONTACT_LABELS,
        "channel_labels": CHANNEL_LABELS,
    }
    return state.templates.TemplateResponse(request, template, {**base, **(context or {})}, status_code=status_code)


def _flash(request: Request, kind: str, text: str) -> None:
    request.session.setdefault("flash", []).append({"kind": kind, "text": text})


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _safe_next(target: str | None) -> str:
    """Only our own paths, so the sign-in page cannot be used to send staff elsewhere."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _load_current_user(session, user_id: int, epoch) -> CurrentUser | None:
    """The account of a session that has not been ended: sign-out, a password reset or
    deactivation raise the account's epoch, and every older session stops here."""
    user = session.get(StaffUser, user_id)
    if user is None or not user.active or epoch != user.session_epoch:
        return None
    return CurrentUser.of(user)


def requires(role: str, before_enrolment: bool = False):
    """Signed-out visitors go to the sign-in page; a staff account asking for an admin page gets 403
    (audited). When the clinic requires a second factor for admins, an admin without one is sent to
    set it up first: only routes marked `before_enrolment` are open until then."""

    def decorator(endpoint):
        @functools.wraps(endpoint)
        async def wrapper(request: Request) -> Response:
            had_session = "user_id" in request.session
            user_id = session_user_id(request.session, _config(request).session_policy)
            user = (await _db(request, _load_current_user, user_id, request.session.get("epoch"))
                    if user_id is not None else None)
            if user is None:
                if had_session:  # (a visit while the code page is open keeps that sign-in going)
                    end_session(request.session)
                    _flash(request, "info", "Your session ended. Please sign in again.")
                # A form posted after the session ended is not replayed: it returns to the list.
                target = "/" if request.method != "GET" else (
                    request.url.path + (f"?{request.url.query}" if request.url.query else ""))
                return _redirect("/signin?" + urlencode({"next": target}))
            request.state.user = user
            if _must_enrol(request, user) and not before_enrolment:
                return _redirect("/account")
            if role == "admin" and not user.is_admin:
                await _db(request, audit.record, user.username, "refused", None,
                          f"admins only: {request.method} {request.url.path}")
                return _render(request, "error.html", {
                    "title": "Admins only",
                    "message": "This page is for admin accounts. Ask an admin if you need it.",
                }, status_code=403)
            return await endpoint(request)

        return wrapper

    return decorator


# ---------------------------------------------------------------- sign-in

def _must_enrol(request: Request, user: CurrentUser) -> bool:
    return _config(request).require_admin_2fa and user.is_admin and not user.has_totp


async def signin_page(request: Request) -> Response:
    return _render(request, "signin.html", {"next": _safe_next(request.query_params.get("next"))})


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
        audit.record(session, user.username, "account_locked",
                     detail=f"{lockout_after} failed sign-ins in a row; an admin can unlock it")


def _password_step(session, username: str, password: str, lockout_after: int) -> SignInStep:
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


def _code_step(session, user_id: int, epoch: int, code: str, lockout_after: int) -> SignInStep:
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


async def signin_submit(request: Request) -> Response:
    form = await request.form()
    username = str(form.get("username", ""))[:64]
    password = str(form.get("password", ""))[:1024]
    target = _safe_next(str(form.get("next", "")))
    state = _config(request)
    limiter: SignInLimiter = state.limiter
    # Counted before the password is checked: parallel guesses cannot slip past the limit.
    attempt = await run_in_threadpool(limiter.attempt, username, _client(request))
    if attempt.retry_after:
        return _render(request, "signin.html", {
            "next": target, "username": username, "problem": "paused",
            "minutes": max(1, round(attempt.retry_after / 60)),
        }, status_code=429)
    step = await _db(request, _password_step, username, password, state.lockout_after)
    if step.outcome == "mismatch" and attempt.last:
        # Recorded once, when the pause starts; attempts during the pause are not written.
        await _db(request, audit.record, step.actor, "sign_in_failed", None,
                  f"{limiter.max_failures} failures: sign-in paused for {limiter.window_seconds // 60} minutes")
    if step.outcome in ("mismatch", "locked"):
        return _render(request, "signin.html", {"next": target, "username": username, "problem": step.outcome,
                                                "lockout_after": state.lockout_after}, status_code=401)
    await run_in_threadpool(limiter.succeeded, username, _client(request))
    if step.outcome == "code":
        start_code_wait(request.session, step.user.id, step.epoch, target)
        return _redirect("/signin/code")
    return _start(request, step, target)


def _start(request: Request, step: SignInStep, target: str) -> Response:
    start_session(request.session, step.user.id, step.epoch)
    log.info("staff sign-in user_id=%s", step.user.id)
    return _redirect("/account" if _must_enrol(request, step.user) else target)


async def signin_code_page(request: Request) -> Response:
    if code_wait(request.session) is None:
        return _redirect("/signin")
    return _render(request, "signin_code.html")


async def signin_code_submit(request: Request) -> Response:
    state = _config(request)
    waiting = code_wait(request.session)
    form = await request.form()
    step = (await _db(request, _code_step, waiting[0], waiting[1], str(form.get("code", ""))[:32],
                      state.lockout_after) if waiting else SignInStep("expired"))
    if step.outcome == "wrong_code":
        return _render(request, "signin_code.html", {"problem": "wrong_code"}, status_code=401)
    if step.outcome != "signed_in":
        end_session(request.session)
        return _render(request, "signin.html", {"next": "/", "problem": step.outcome,
                                                "lockout_after": state.lockout_after}, status_code=401)
    return _start(request, step, waiting[2])


def _end_sessions(session, user_id: int) -> None:
    user = session.get(StaffUser, user_id)
    user.end_all_sessions()
    audit.record(session, user.username, "sign_out")


@requires("staff", before_enrolment=True)
async def signout(request: Request) -> Response:
    await _db(request, _end_sessions, request.state.user.id)
    end_session(request.session)
    _flash(request, "info", "You are signed out.")
    return _redirect("/signin")


# ---------------------------------------------------------------- own account: second factor

ACCOUNT_NOTICES = ("started", "on", "off", "wrong_code", "required", "unchanged")


def _account_view(session, user_id: int, issuer: str) -> dict:
    user = session.get(StaffUser, user_id)
    pending = bool(user.totp_secret) and not user.has_totp
    return {
        "has_totp": user.has_totp, "totp_since": user.totp_enabled_at, "pending": pending,
        "secret": totp.grouped(user.totp_secret) if pending else "",
        "otpauth_uri": totp.provisioning_uri(user.totp_secret, user.username, issuer) if pending else "",
    }


@requires("staff", before_enrolment=True)
async def account_page(request: Request) -> Response:
    state = _config(request)
    user = request.state.user
    view = await _db(request, _account_view, user.id, state.clinic_name)
    notice = request.query_params.get("done", "")
    return _render(request, "account.html", {
        **view, "notice": notice if notice in ACCOUNT_NOTICES else "", "must_enrol": _must_enrol(request, user),
        "required_for_me": state.require_admin_2fa and user.is_admin,
        "when": lambda value: local_time(value, state.tz), "tz_name": str(state.tz),
    })


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
        audit.record(session, user.username, "account_change", detail=f"two-step sign-in turned off for {user.username}")
        return "off"
    return "unchanged"


@requires("staff", before_enrolment=True)
async def account_second_factor(request: Request) -> Response:
    user = request.state.user
    form = await request.form()
    required = _config(request).require_admin_2fa and user.is_admin
    notice = await _db(request, _change_second_factor, user.id, str(form.get("step", "")),
                       str(form.get("code", ""))[:32], required)
    return _redirect(f"/account?done={notice}")


# ---------------------------------------------------------------- requests

@requires("staff")
async def request_list(request: Request) -> Response:
    """GET shows the list with filters from the address; a search is only ever POSTed from the
    form (also its pages), so a patient's name or phone never appears in an address, the browser
    history or a log. The audit entry names the filters and whether a search was used."""
    state = _config(request)
    if request.method == "POST":
        filters = RequestFilters.from_params(await request.form())
    else:
        filters = RequestFilters.from_params(request.query_params, with_search=False)
    actor = request.state.user.username

    def load(session):
        rows, total = queries.list_requests(session, filters, state.tz)
        audit.record(session, actor, "search" if filters.search else "list",
                     detail=f"requests: {total} matching; {filters.describe_for_audit()}")
        return rows, total, queries.open_attention_counts(session)

    rows, total, attention = await _db(request, load)
    pages = max(1, -(-total // queries.PAGE_SIZE))
    return _render(request, "list.html", {
        "filters": filters, "rows": rows, "total": total, "attention": attention,
        "page": filters.page, "pages": pages,
        "prev_page": filters.as_params(filters.page - 1) if filters.page > 1 else None,
        "next_page": filters.as_params(filters.page + 1) if filters.page < pages else None,
        "outcomes": OUTCOMES, "statuses": STATUSES,
        "when": lambda value: local_time(value, state.tz), "tz_name": str(state.tz),
    })


def _not_found(request: Request) -> Response:
    return _render(request, "error.html", {
        "title": "Request not found",
        "message": "There is no request with that reference. Check it against the list.",
    }, status_code=404)


@requires("staff")
async def request_detail(request: Request) -> Response:
    state = _config(request)
    reference = request.path_params["reference"]
    user = request.state.user

    def load(session):
        item = queries.get_request(session, reference)
        if item is None:
            return None, []
        audit.record(session, user.username, "view", item.reference)
        answers = sorted(item.answers, key=lambda answer: (answer.position or 0, answer.id))
        return (item, answers), queries.status_history(session, item.id)

    found, history = await _db(request, load)
    if found is None:
        return _not_found(request)
    item, answers = found
    # Answers that raised something come first; the plain "no"s are one tap away.
    raised = [answer for answer in answers if answer.affirmed or answer.level]
    others = [answer for answer in answers if not (answer.affirmed or answer.level)]
    return _render(request, "detail.html", {
        "item": item, "answers": answers, "raised": raised, "others": others, "history": history,
        "next_statuses": allowed_next(item.status), "blocking_levels": BLOCKING_LEVELS,
        "when": lambda value: local_time(value, state.tz), "text": as_text, "tz_name": str(state.tz),
    })


@requires("staff")
async def request_status(request: Request) -> Response:
    reference = request.path_params["reference"]
    form = await request.form()
    to_status = str(form.get("to_status", ""))
    note = str(form.get("note", ""))
    actor = request.state.user.username

    def apply(session):
        item = queries.get_request(session, reference)
        if item is None:
            return None
        try:
            change_status(session, item, to_status, note, actor)
        except WorkflowError as problem:
            return str(problem)
        return ""

    outcome = await _db(request, apply)
    if outcome is None:
        return _not_found(request)
    if outcome:
        _flash(request, "error", outcome)
    else:
        _flash(request, "success", f"Saved: status is now {STATUS_LABELS.get(to_status, to_status).lower()}.")
    return _redirect(f"/requests/{reference}")


@requires("admin")
async def request_erase(request: Request) -> Response:
    reference = request.path_params["reference"]
    form = await request.form()
    confirmation = str(form.get("confirm_reference", "")).strip()
    actor = request.state.user.username
    if confirmation != reference:
        _flash(request, "error", "Type the request's reference exactly to confirm erasure. Nothing was erased.")
        return _redirect(f"/requests/{reference}")

    def apply(session):
        item = queries.get_request(session, reference)
        if item is None:
            return False
        if item.erased_at is None:
            erase_request(session, item, actor, _config(request).tracker_store_url)
        return True

    if not await _db(request, apply):
        return _not_found(request)
    log.info("request erased reference=%s", reference)
    _flash(request, "success", "The personal data of this request was erased. The reference and audit entry remain.")
    return _redirect(f"/requests/{reference}")


@requires("admin")
async def export_csv(request: Request) -> Response:
    state = _config(request)
    form = await request.form()
    filters = RequestFilters.from_params(form)
    actor = request.state.user.username

    def load(session):
        rows = queries.all_matching(session, filters, state.tz)
        audit.record(session, actor, "export", detail=f"{len(rows)} requests; {filters.describe_for_audit()}")
        return requests_csv(rows)  # the same CSV as `make export FORMAT=csv`

    body = await _db(request, load)
    stamp = datetime.now(state.tz).strftime("%Y%m%d-%H%M")
    return Response(body, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="consultation-requests-{stamp}.csv"',
    })


# ---------------------------------------------------------------- callback requests

@requires("staff")
async def callback_list(request: Request) -> Response:
    state = _config(request)
    actor = request.state.user.username

    def load(session):
        rows, done_total = callbacks.waiting_and_recent(session)
        waiting = sum(1 for row in rows if row.status == "new")
        audit.record(session, actor, "list", detail=f"callbacks: {waiting} waiting, {len(rows) - waiting} done shown")
        return rows, done_total, waiting

    rows, done_total, waiting = await _db(request, load)
    return _render(request, "callbacks.html", {
        "rows": rows, "waiting": waiting, "done_shown": len(rows) - waiting, "done_total": done_total,
        "callback_labels": CALLBACK_STATUS_LABELS,
        "when": lambda value: local_time(value, state.tz), "tz_name": str(state.tz),
    })


def _callback_not_found(request: Request) -> Response:
    return _render(request, "error.html", {
        "title": "Callback not found",
        "message": "There is no callback request with that reference. Check it against the list.",
    }, status_code=404)


async def _change_callback(request: Request, change, success: str) -> Response:
    """Applies `change(session, item, actor)` to the callback in the path; back to the list."""
    reference = request.path_params["reference"]
    actor = request.state.user.username

    def apply(session):
        item = callbacks.get_callback(session, reference)
        if item is None:
            return None
        try:
            change(session, item, actor)
        except CallbackError as problem:
            return str(problem)
        return ""

    outcome = await _db(request, apply)
    if outcome is None:
        return _callback_not_found(request)
    _flash(request, "error" if outcome else "success", outcome or success.format(reference=reference))
    return _redirect("/callbacks")


@requires("staff")
async def callback_done(request: Request) -> Response:
    return await _change_callback(request, callbacks.mark_done, "{reference} marked done.")


@requires("staff")
async def callback_reopen(request: Request) -> Response:
    return await _change_callback(request, callbacks.reopen, "{reference} is waiting for a call again.")


@requires("admin")
async def callback_erase(request: Request) -> Response:
    reference = request.path_params["reference"]
    form = await request.form()
    if str(form.get("confirm_reference", "")).strip() != reference:
        _flash(request, "error", "Type the callback's reference exactly to confirm erasure. Nothing was erased.")
        return _redirect("/callbacks")

    def erase_once(session, item, actor):
        if item.erased_at is None:
            erase_callback(session, item, actor, _config(request).tracker_store_url)

    response = await _change_callback(
        request, erase_once, "The contact details of {reference} were erased. The reference and audit entry remain.")
    if response.status_code == 303:
        log.info("callback erased reference=%s", reference)
    return response


# ---------------------------------------------------------------- admin pages

@requires("admin")
async def audit_log(request: Request) -> Response:
    state = _config(request)
    action = request.query_params.get("action", "")
    if action not in AUDIT_ACTIONS_SHOWN:
        action = ""
    actor = request.state.user.username

    def load(session):
        audit.record(session, actor, "list", detail=f"audit log: {action or 'all actions'}")
        return audit.recent(session, 300, action or None)

    events = await _db(request, load)
    return _render(request, "audit.html", {
        "events": events, "action": action, "actions": AUDIT_ACTIONS_SHOWN,
        "when": lambda value: local_time(value, state.tz), "tz_name": str(state.tz),
    })


@requires("admin")
async def staff_page(request: Request) -> Response:
    state = _config(request)
    actor = request.state.user.username

    def load(session):
        audit.record(session, actor, "list", detail="staff accounts")
        return accounts.all_accounts(session)

    users = await _db(request, load)
    return _render(request, "staff.html", {
        "users": users, "roles": ROLES, "when": lambda value: local_time(value, state.tz),
    })


@requires("admin")
async def staff_update(request: Request) -> Response:
    username = request.path_params["username"]
    form = await request.form()
    actor = request.state.user.username
    change = str(form.get("change", ""))

    def apply(session):
        if change == "activate":
            accounts.set_active(session, username, True, actor)
        elif change == "deactivate":
            accounts.set_active(session, username, False, actor)
        elif change == "role":
            accounts.set_role(session, username, str(form.get("role", "")), actor)
        elif change == "unlock":
            accounts.unlock(session, username, actor)
        elif change == "reset_second_factor":
            accounts.reset_second_factor(session, username, actor)
        else:
            raise AccountError("Unknown change.")

    try:
        await _db(request, apply)
        _flash(request, "success", f"Account {username} updated.")
    except AccountError as problem:
        _flash(request, "error", str(problem))
    return _redirect("/staff")


async def health(request: Request) -> Response:
    return PlainTextResponse("ok")


routes = [
    Route("/", request_list, methods=["GET", "POST"], name="list"),
    Route("/signin", signin_page, methods=["GET"], name="signin"),
    Route("/signin", signin_submit, methods=["POST"]),
    Route("/signin/code", signin_code_page, methods=["GET"], name="signin_code"),
    Route("/signin/code", signin_code_submit, methods=["POST"]),
    Route("/signout", signout, methods=["POST"], name="signout"),
    Route("/account", account_page, methods=["GET"], name="account"),
    Route("/account/second-factor", account_second_factor, methods=["POST"], name="account_second_factor"),
    Route("/requests/{reference}", request_detail, methods=["GET"], name="detail"),
    Route("/requests/{reference}/status", request_status, methods=["POST"], name="status"),
    Route("/requests/{reference}/erase", request_erase, methods=["POST"], name="erase"),
    Route("/export.csv", export_csv, methods=["POST"], name="export"),
    Route("/callbacks", callback_list, methods=["GET"], name="callbacks"),
    Route("/callbacks/{reference}/done", callback_done, methods=["POST"], name="callback_done"),
    Route("/callbacks/{reference}/reopen", callback_reopen, methods=["POST"], name="callback_reopen"),
    Route("/callbacks/{reference}/erase", callback_erase, methods=["POST"], name="callback_erase"),
    Route("/audit", audit_log, methods=["GET"], name="audit"),
    Route("/staff", staff_page, methods=["GET"], name="staff"),
    Route("/staff/{username}", staff_update, methods=["POST"], name="staff_update"),
    Route("/healthz", health, methods=["GET"]),
    Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
]


class RequestLogMiddleware:
    """One log line per request: method, path, status, time. Never the query string, which can
    hold a searched name or phone (uvicorn's own access log is switched off for that reason)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 500}

        async def send_status(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            log.info("%s %s %s %.0fms", scope["method"], scope["path"], status["code"],
                     (time.perf_counter() - started) * 1000)


def _csrf_refusal_recorder(database_url: str):
    """Audits a refused form post when it came with a session of a known account (a forged
    cross-site post against staff); anonymous refusals are only in the request log."""

    def record(user_id: int, method: str, path: str) -> None:
        with session_scope(database_url) as session:
            user = session.get(StaffUser, user_id)
            if user is not None:
                audit.record(session, user.username, "refused", None, f"form token missing or wrong: {method} {path}")

    async def on_refused(scope) -> None:
        user_id = scope.get("session", {}).get("user_id")
        if isinstance(user_id, int):
            await run_in_threadpool(record, user_id, scope["method"], scope["path"])

    return on_refused


def create_app(database_url: str, security: SecurityConfig, tz: ZoneInfo | None = None,
               limiter: SignInLimiter | None = None, session_policy: SessionPolicy | None = None,
               clinic_name: str = "Clinic", tracker_store_url: str | None = None,
               lockout_after: int = LOCKOUT_AFTER) -> Starlette:
    session_policy = session_policy or SessionPolicy()
    middleware = [
        Middleware(RequestLogMiddleware),
        Middleware(SecurityHeadersMiddleware, hsts=security.secure_cookies),
        Middleware(RefuseBadAddresses),
        Middleware(SessionMiddleware, secret_key=security.secret_key, session_cookie=SESSION_COOKIE,
                   max_age=session_policy.absolute_seconds, same_site="strict",
                   https_only=security.secure_cookies),
        Middleware(CSRFMiddleware, on_refused=_csrf_refusal_recorder(database_url)),
    ]
    app = Starlette(routes=routes, middleware=middleware)
    app.state.database_url = database_url
    app.state.tracker_store_url = tracker_store_url  # erasure also deletes the request's conversation there
    app.state.tz = tz or ZoneInfo("UTC")
    app.state.limiter = limiter or SignInLimiter(limits=configured_limiter())
    app.state.session_policy = session_policy
    app.state.lockout_after = lockout_after
    app.state.require_admin_2fa = security.require_admin_2fa
    app.state.clinic_name = clinic_name
    app.state.templates = Jinja2Templates(directory=HERE / "templates")
    return app
