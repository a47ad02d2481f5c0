"""Callback requests (patients who asked to talk to a person): the list, done, reopen, erasure."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.dashboard import audit, callbacks
from bot.dashboard.access import requires
from bot.dashboard.callbacks import CALLBACK_STATUS_LABELS, CallbackError
from bot.dashboard.erasure import erase_callback
from bot.dashboard.pages import Record, change_record, erase_record, render, run_in_session


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


CALLBACK = Record("callback request", callbacks.get_callback, CallbackError)


@requires("staff")
async def callback_done(request: Request) -> Response:
    return await change_record(request, CALLBACK, callbacks.mark_done, "{reference} marked done.", "/callbacks")


@requires("staff")
async def callback_reopen(request: Request) -> Response:
    return await change_record(
        request, CALLBACK, callbacks.reopen, "{reference} is waiting for a call again.", "/callbacks"
    )


@requires("admin")
async def callback_erase(request: Request) -> Response:
    return await erase_record(
        request,
        CALLBACK,
        erase_callback,
        "The contact details of {reference} were erased. The reference and audit entry remain.",
        "/callbacks",
    )


routes = [
    Route("/callbacks", callback_list, methods=["GET"], name="callbacks"),
    Route("/callbacks/{reference}/done", callback_done, methods=["POST"], name="callback_done"),
    Route("/callbacks/{reference}/reopen", callback_reopen, methods=["POST"], name="callback_reopen"),
    Route("/callbacks/{reference}/erase", callback_erase, methods=["POST"], name="callback_erase"),
]
