"""Reading consultation requests for the dashboard: the filtered list, one request, its history."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from bot.consultation import OPEN_STATUSES, OUTCOMES, OUTCOMES_TO_REVIEW, STATUSES
from bot.dashboard.models import StatusChange
from bot.db.models import ConsultationRequest
from bot.language import LANGUAGES

PAGE_SIZE = 50
MAX_SEARCH_LENGTH = 100
# Bounds on what the query string may ask for: ?page=99999999999999999999 overflowed SQLite's
# integer and ?to=9999-12-31 the day after it (both 500s before).
MAX_PAGE = 100_000
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(9998, 12, 31)


@dataclass(frozen=True)
class RequestFilters:
    """What the list shows. Built from the query string; values it does not know are dropped
    and explained in `problems` rather than failing the page."""

    outcome: str = ""
    status: str = ""
    date_from: date | None = None
    date_to: date | None = None
    search: str = ""
    page: int = 1
    problems: tuple[str, ...] = field(default=(), compare=False)
    language: str = ""  # the conversation's, bot/language.py LANGUAGES

    @classmethod
    def from_params(cls, params, with_search: bool = True) -> "RequestFilters":
        """`with_search=False` for addresses: a search term is only taken from a posted form."""
        problems: list[str] = []
        outcome = params.get("outcome", "").strip()
        if outcome and outcome not in OUTCOMES:
            problems.append("Unknown outcome ignored.")
            outcome = ""
        status = params.get("status", "").strip()
        if status and status not in STATUSES:
            problems.append("Unknown status ignored.")
            status = ""
        language = params.get("language", "").strip()
        if language and language not in LANGUAGES:
            problems.append("Unknown language ignored.")
            language = ""
        date_from = _parse_date(params.get("from", ""), "From", problems)
        date_to = _parse_date(params.get("to", ""), "To", problems)
        if date_from and date_to and date_from > date_to:
            problems.append("The 'from' date was after the 'to' date, so they were swapped.")
            date_from, date_to = date_to, date_from
        search = params.get("q", "").strip()[:MAX_SEARCH_LENGTH] if with_search else ""
        try:
            page = min(max(1, int(params.get("page", "1"))), MAX_PAGE)
        except ValueError:
            page = 1
        return cls(outcome, status, date_from, date_to, search, page, tuple(problems), language)

    def as_params(self, page: int | None = None) -> dict[str, str]:
        """The non-empty filters as form fields, for the export form and pagination (posted when
        they hold a search), and as query parameters for links when they do not."""
        params = {
            "outcome": self.outcome,
            "status": self.status,
            "language": self.language,
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "q": self.search,
        }
        if page and page > 1:
            params["page"] = str(page)
        return {key: value for key, value in params.items() if value}

    def describe_for_audit(self) -> str:
        """The filters without the search text, which may be a patient's name or phone."""
        parts = [f"{key}={value}" for key, value in self.as_params().items() if key != "q"]
        if self.search:
            parts.append("search=yes")
        return ", ".join(parts) or "no filters"


def _parse_date(raw: str, label: str, problems: list[str]) -> date | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        day = None
    if day is None or not FIRST_DAY <= day <= LAST_DAY:
        problems.append(f"{label} date not understood (use YYYY-MM-DD); ignored.")
        return None
    return day


def _day_start_utc(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz).astimezone(timezone.utc)


def _filtered(filters: RequestFilters, tz: ZoneInfo) -> Select:
    query = select(ConsultationRequest)
    if filters.outcome:
        query = query.where(ConsultationRequest.outcome == filters.outcome)
    if filters.status:
        query = query.where(ConsultationRequest.status == filters.status)
    if filters.language:
        query = query.where(ConsultationRequest.language == filters.language)
    if filters.date_from:
        query = query.where(ConsultationRequest.created_at >= _day_start_utc(filters.date_from, tz))
    if filters.date_to:
        end = _day_start_utc(filters.date_to + timedelta(days=1), tz)
        query = query.where(ConsultationRequest.created_at < end)
    if filters.search:
        query = query.where(_search_clause(filters.search))
    return query


def _search_clause(text: str):
    pattern = f"%{_escape_like(text.lower())}%"
    columns = (
        ConsultationRequest.name,
        ConsultationRequest.email,
        ConsultationRequest.reference,
        ConsultationRequest.phone,
    )
    clauses = [func.lower(column).like(pattern, escape="\\") for column in columns]
    # Phones are stored normalised (+447700900123); staff type them with spaces or a leading 0.
    digits = re.sub(r"\D", "", text)
    if len(digits) >= 4:
        clauses.append(ConsultationRequest.phone.like(f"%{digits.lstrip('0')}%"))
    return or_(*clauses)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _newest_first(query: Select) -> Select:
    return query.order_by(ConsultationRequest.created_at.desc(), ConsultationRequest.id.desc())


def list_requests(
    session: Session, filters: RequestFilters, tz: ZoneInfo, page_size: int = PAGE_SIZE
) -> tuple[list[ConsultationRequest], int]:
    """One page of matching requests, newest first, and how many match in all."""
    query = _filtered(filters, tz)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(_newest_first(query).limit(page_size).offset((filters.page - 1) * page_size)).all()
    return list(rows), total


def all_matching(session: Session, filters: RequestFilters, tz: ZoneInfo) -> list[ConsultationRequest]:
    return list(session.scalars(_newest_first(_filtered(filters, tz))))


def open_attention_counts(session: Session) -> dict[str, int]:
    """How many not-yet-closed requests need review or were deferred: shown above the list."""
    rows = session.execute(
        select(ConsultationRequest.outcome, func.count())
        .where(ConsultationRequest.outcome.in_(OUTCOMES_TO_REVIEW))
        .where(ConsultationRequest.status.in_(OPEN_STATUSES))
        .where(ConsultationRequest.erased_at.is_(None))
        .group_by(ConsultationRequest.outcome)
    ).all()
    return {outcome: count for outcome, count in rows}


def get_request(session: Session, reference: str) -> ConsultationRequest | None:
    return session.scalar(
        select(ConsultationRequest)
        .where(ConsultationRequest.reference == reference)
        .options(selectinload(ConsultationRequest.answers))
    )


def status_history(session: Session, request_id: int) -> list[StatusChange]:
    return list(
        session.scalars(
            select(StatusChange)
            .where(StatusChange.request_id == request_id)
            .order_by(StatusChange.changed_at.desc(), StatusChange.id.desc())
        )
    )
