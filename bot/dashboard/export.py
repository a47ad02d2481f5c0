"""The filtered request list as CSV, safe to open in a spreadsheet."""
from __future__ import annotations

import csv
import io
from zoneinfo import ZoneInfo

from bot.dashboard.views import as_text, local_time

COLUMNS = (
    ("reference", "Reference"), ("created_at", "Received"), ("channel", "Channel"),
    ("outcome", "Outcome"), ("status", "Status"), ("name", "Name"), ("phone", "Phone"),
    ("email", "Email"), ("preferred_contact", "Preferred contact"), ("preferred_time", "Preferred time"),
    ("concerns", "Concerns"), ("treatment_areas", "Treatment areas"),
)
# A cell starting with one of these is run as a formula by spreadsheet programs.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def requests_csv(requests, tz: ZoneInfo) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([label for _, label in COLUMNS])
    for request in requests:
        row = []
        for attribute, _ in COLUMNS:
            value = getattr(request, attribute, None)
            text = local_time(value, tz) if attribute == "created_at" else as_text(value)
            row.append(_cell(text))
        writer.writerow(row)
    return out.getvalue()
