"""Consultation requests: the list (filters, posted search), one request, its status, erasure."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.consultation import OUTCOMES, STATUS_LABELS, STATUSES
from bot.dashboard import audit, queries
from bot.dashboard.access import requires
from bot.dashboard.erasure import erase_request
from bot.dashboard.pages import (
    Record,
    change_record,
    erase_record,
    not_found,
    render,
    run_in_session,
)
from bot.dashboard.queries import RequestFilters
from bot.dashboard.views import BLOCKING_LEVELS, as_text
from bot.dashboard.workflow import WorkflowError, allowed_next, change_status
from bot.language import LANGUAGES


@requires("staff")
async def request_list(request: Request) -> Response:
    """GET shows the list with filters from the address; a search is only ever POSTed from the
    form (also its pages), so a patient's name or phone never appears in an address, the browser
    history or a log. The audit entry names the filters and whether a search was used."""
    state = request.app.state
    if request.method == "POST":
        filters = RequestFilters.from_params(await request.form())
    else:
        filters = RequestFilters.from_params(request.query_params, with_search=False)
    actor = request.state.user.username

    def load(session):
        rows, total = queries.list_requests(session, filters, state.tz)
        audit.record(
            session,
            actor,
            "search" if filters.search else "list",
            detail=f"requests: {total} matching; {filters.describe_for_audit()}",
        )
        return rows, total, queries.open_attention_counts(session)

    rows, total, attention = await run_in_session(request, load)
    pages = max(1, -(-total // queries.PAGE_SIZE))
    return render(
        request,
        "list.html",
        {
            "filters": filters,
            "rows": rows,
            "total": total,
            "attention": attention,
            "page": filters.page,
            "pages": pages,
            "prev_page": filters.as_params(filters.page - 1) if filters.page > 1 else None,
            "next_page": filters.as_params(filters.page + 1) if filters.page < pages else None,
            "outcomes": OUTCOMES,
            "statuses": STATUSES,
            "languages": LANGUAGES,
        },
    )


REQUEST = Record("request", queries.get_request, WorkflowError)


@requires("staff")
async def request_detail(request: Request) -> Response:
    reference = request.path_params["reference"]
    user = request.state.user

    def load(session):
        item = queries.get_request(session, reference)
        if item is None:
            return None, []
        audit.record(session, user.username, "view", item.reference)
        answers = sorted(item.answers, key=lambda answer: (answer.position or 0, answer.id))
        return (item, answers), queries.status_history(session, item.id)

    found, history = await run_in_session(request, load)
    if found is None:
        return not_found(request, REQUEST.what, "list")
    item, answers = found
    # Answers that raised something come first; the plain "no"s are one tap away.
    raised = [answer for answer in answers if answer.affirmed or answer.level]
    others = [answer for answer in answers if not (answer.affirmed or answer.level)]
    return render(
        request,
        "detail.html",
        {
            "item": item,
            "answers": answers,
            "raised": raised,
            "others": others,
            "history": history,
            "next_statuses": allowed_next(item.status),
            "blocking_levels": BLOCKING_LEVELS,
            "text": as_text,
        },
    )


@requires("staff")
async def request_status(request: Request) -> Response:
    form = await request.form()
    to_status, note = str(form.get("to_status", "")), str(form.get("note", ""))

    def change(session, item, actor):
        change_status(session, item, to_status, note, actor)

    saved = f"Saved: status is now {STATUS_LABELS.get(to_status, to_status).lower()}."
    return await change_record(request, REQUEST, change, saved, "/requests/{reference}")


@requires("admin")
async def request_erase(request: Request) -> Response:
    return await erase_record(
        request,
        REQUEST,
        erase_request,
        "The personal data of this request was erased. The reference and audit entry remain.",
        "/requests/{reference}",
    )


routes = [
    Route("/", request_list, methods=["GET", "POST"], name="list"),
    Route("/requests/{reference}", request_detail, methods=["GET"], name="detail"),
    Route("/requests/{reference}/status", request_status, methods=["POST"], name="status"),
    Route("/requests/{reference}/erase", request_erase, methods=["POST"], name="erase"),
]
