"""What every route answers with: database work off the event loop, a rendered page, a flash
message, a redirect. Routes read the app's settings from `request.app.state` (set by `create_app`)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.channels import CHANNEL_LABELS
from bot.consultation import CONTACT_LABELS, OUTCOME_LABELS, STATUS_LABELS
from bot.dashboard.security import CSRF_FIELD, csrf_token
from bot.dashboard.views import LEVEL_LABELS, local_time
from bot.db.base import session_scope
from bot.language import LANGUAGE_LABELS

log = logging.getLogger("bot.dashboard")


async def run_in_session(request: Request, work, *args):
    """Runs `work(session, *args)` in one unit of work off the event loop (SQL and argon2 block)."""
    url = request.app.state.database_url

    def run():
        with session_scope(url) as session:
            return work(session, *args)

    return await run_in_threadpool(run)


def render(request: Request, template: str, context: dict | None = None, status_code: int = 200) -> Response:
    state = request.app.state
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
        "language_labels": LANGUAGE_LABELS,
        # Every page shows times in the clinic's time zone and says which one.
        "when": lambda value: local_time(value, state.tz),
        "tz_name": str(state.tz),
    }
    return state.templates.TemplateResponse(request, template, {**base, **(context or {})}, status_code=status_code)


def flash(request: Request, kind: str, text: str) -> None:
    request.session.setdefault("flash", []).append({"kind": kind, "text": text})


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def not_found(request: Request, what: str, where: str) -> Response:
    return render(
        request,
        "error.html",
        {
            "title": f"{what.capitalize()} not found",
            "message": f"There is no {what} with that reference. Check it against the {where}.",
        },
        status_code=404,
    )


@dataclass(frozen=True)
class Record:
    """One kind of record staff act on by its reference: how to find it and what to call it."""

    what: str  # "request", "callback request"
    find: Callable  # (session, reference) -> the row, or None
    problem: type[Exception]  # what a change raises when it is not allowed; its message is shown


async def change_record(request: Request, record: Record, change, success: str, back: str) -> Response:
    """Finds the record in the path, applies `change(session, item, actor)` in one audited unit of
    work, and goes back to `back` with `success` or the refusal's message; 404 when there is none."""
    reference = request.path_params["reference"]
    actor = request.state.user.username

    def apply(session):
        item = record.find(session, reference)
        if item is None:
            return None
        try:
            change(session, item, actor)
        except record.problem as refusal:
            return str(refusal)
        return ""

    outcome = await run_in_session(request, apply)
    if outcome is None:
        return not_found(request, record.what, "list")
    flash(request, "error" if outcome else "success", outcome or success.format(reference=reference))
    return redirect(back.format(reference=reference))


async def erase_record(request: Request, record: Record, erase, success: str, back: str) -> Response:
    """Erases the record in the path with `erase(session, item, actor, tracker_store_url)` once
    staff typed its reference to confirm (a slip of the mouse must not erase a patient)."""
    reference = request.path_params["reference"]
    form = await request.form()
    if str(form.get("confirm_reference", "")).strip() != reference:
        flash(request, "error", f"Type the {record.what}'s reference exactly to confirm erasure. Nothing was erased.")
        return redirect(back.format(reference=reference))

    def erase_once(session, item, actor):
        if item.erased_at is None:
            erase(session, item, actor, request.app.state.tracker_store_url)

    response = await change_record(request, record, erase_once, success, back)
    if response.status_code == 303:
        log.info("%s erased reference=%s", record.what, reference)
    return response
