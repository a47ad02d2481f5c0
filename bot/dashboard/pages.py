"""What every route answers with: database work off the event loop, a rendered page, a flash
message, a redirect. Routes read the app's settings from `request.app.state` (set by `create_app`)."""

from __future__ import annotations

import logging

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.channels import CHANNEL_LABELS
from bot.consultation import OUTCOME_LABELS, STATUS_LABELS
from bot.dashboard.security import CSRF_FIELD, csrf_token
from bot.dashboard.views import LEVEL_LABELS, local_time
from bot.db.base import session_scope
from bot.intake.contact import CONTACT_LABELS

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
        # Every page shows times in the clinic's time zone and says which one.
        "when": lambda value: local_time(value, state.tz),
        "tz_name": str(state.tz),
    }
    return state.templates.TemplateResponse(request, template, {**base, **(context or {})}, status_code=status_code)


def flash(request: Request, kind: str, text: str) -> None:
    request.session.setdefault("flash", []).append({"kind": kind, "text": text})


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)
