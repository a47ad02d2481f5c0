"""The CSV export of the filtered request list (admins)."""

from __future__ import annotations

from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.dashboard import audit, queries
from bot.dashboard.access import requires
from bot.dashboard.pages import run_in_session
from bot.dashboard.queries import RequestFilters
from bot.export import requests_csv


@requires("admin")
async def export_csv(request: Request) -> Response:
    state = request.app.state
    form = await request.form()
    filters = RequestFilters.from_params(form)
    actor = request.state.user.username

    def load(session):
        rows = queries.all_matching(session, filters, state.tz)
        audit.record(session, actor, "export", detail=f"{len(rows)} requests; {filters.describe_for_audit()}")
        return requests_csv(rows)  # the same CSV as `make export FORMAT=csv`

    body = await run_in_session(request, load)
    stamp = datetime.now(state.tz).strftime("%Y%m%d-%H%M")
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="consultation-requests-{stamp}.csv"',
        },
    )


routes = [
    Route("/export.csv", export_csv, methods=["POST"], name="export"),
]
