"""Callback requests (patients who asked to talk to a person): the list, done, reopen, erasure."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.dashboard import audit, callbacks
from bot.dashboard.access import requires
from bot.dashboard.callbacks import CALLBACK_STATUS_LABELS, CallbackError
from bot.dashboard.erasure import erase_callback
from bot.dashboard.pages import flash, log, redirect, render, run_in_session


@requires("staff")
async def callback_list(request: Request) -> Response:
    actor = request.state.user.username

    def load(session):
        rows, done_total = callbacks.waiting_and_recent(session)
        waiting = sum(1 for row in rows if row.status == "new")
        audit.record(session, actor, "list", detail=f"callbacks: {waiting} waiting, {len(rows) - waiting} done shown")
        return rows, done_total, waiting

    rows, done_total, waiting = await run_in_session(request, load)
    return render(
        request,
        "callbacks.html",
        {
            "rows": rows,
            "waiting": waiting,
            "done_shown": len(rows) - waiting,
            "done_total": done_total,
            "callback_labels": CALLBACK_STATUS_LABELS,
        },
    )


def _callback_not_found(request: Request) -> Response:
    return render(
        request,
        "error.html",
        {
            "title": "Callback not found",
            "message": "There is no callback request with that reference. Check it against the list.",
        },
        status_code=404,
    )


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

    outcome = await run_in_session(request, apply)
    if outcome is None:
        return _callback_not_found(request)
    flash(request, "error" if outcome else "success", outcome or success.format(reference=reference))
    return redirect("/callbacks")


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
        flash(request, "error", "Type the callback's reference exactly to confirm erasure. Nothing was erased.")
        return redirect("/callbacks")

    def erase_once(session, item, actor):
        if item.erased_at is None:
            erase_callback(session, item, actor, request.app.state.tracker_store_url)

    response = await _change_callback(
        request, erase_once, "The contact details of {reference} were erased. The reference and audit entry remain."
    )
    if response.status_code == 303:
        log.info("callback erased reference=%s", reference)
    return response


routes = [
    Route("/callbacks", callback_list, methods=["GET"], name="callbacks"),
    Route("/callbacks/{reference}/done", callback_done, methods=["POST"], name="callback_done"),
    Route("/callbacks/{reference}/reopen", callback_reopen, methods=["POST"], name="callback_reopen"),
    Route("/callbacks/{reference}/erase", callback_erase, methods=["POST"], name="callback_erase"),
]
