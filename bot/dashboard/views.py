"""Labels and small formatting helpers for the templates (the CSV export formats its own)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

LEVEL_LABELS = {"info": "Info", "review": "Needs review", "defer": "Defer", "exclude": "Not suitable"}
# Levels that stop a booking until someone acts: highlighted on the detail page.
BLOCKING_LEVELS = frozenset({"review", "defer", "exclude"})


def as_text(value) -> str:
    """Lists (treatment areas) read as 'face, neck'; None as empty."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(as_text(item) for item in value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def local_time(value: datetime | None, tz: ZoneInfo) -> str:
    if value is None:
        return ""
    # Columns are UTCDateTime, so times arrive aware; a naive one is read as UTC, not server time.
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M")
