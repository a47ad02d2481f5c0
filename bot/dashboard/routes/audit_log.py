"""The audit log page (admins), newest first, filterable by action."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.dashboard import audit
from bot.dashboard.access import requires
from bot.dashboard.models import AUDIT_ACTIONS
from bot.dashboard.pages import render, run_in_session


@requires("admin")
async def audit_log(request: Request) -> Response:
    action = request.query_params.get("action", "")
    if action not in AUDIT_ACTIONS:
        action = ""
    actor = request.state.user.username

    def load(session):
        audit.record(session, actor, "list", detail=f"audit log: {action or 'all actions'}")
        return audit.recent(session, 300, action or None)

    events = await run_in_session(request, load)
    return render(request, "audit.html", {"events": events, "action": action, "actions": AUDIT_ACTIONS})


routes = [
    Route("/audit", audit_log, methods=["GET"], name="audit"),
]
