"""Prints every stored consultation request as JSON (default) or CSV on stdout.

    python -m bot.export [--format json|csv] [--database-url URL]

Runs the migrations first, so an empty or new database prints `[]`. Only the data goes to
stdout; problems go to stderr with a non-zero exit status. Erased requests are kept in the
export with every personal field null, no screening flags, and `"erased": true`, so the
clinic's numbers add up without showing anything that was erased. The CSV here is the only
one: the dashboard's "Export CSV" calls `requests_csv` too, so both give the same bytes for the
same requests (see `_safe_cell` for how formulas are kept from running).
Each request says when consent was given and to which text (`consent_version`, `consent_text`:
the words the patient agreed to; both null for requests stored before versions were recorded),
and the conversation's language (`language`: "en" or "es"; kept when a request is erased).

Every export is in the audit log ("export", the count and the format), by the operating-system
user who ran it (`cli:<user>`), before any data is printed.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
from typing import Any

from sqlalchemy.exc import InterfaceError, OperationalError

from bot.consultation import PERSONAL_FIELDS
from bot.dashboard import audit
from bot.db.base import session_scope
from bot.db.consultations import StorageUnavailable, list_requests
from bot.db.migrate import upgrade_to_head
from bot.db.models import ConsultationRequest
from bot.private_files import restrict_new_files
from bot.settings import settings_for_startup

CSV_COLUMNS = (
    "id",
    "reference",
    "created_at",
    "channel",
    "language",
    *PERSONAL_FIELDS,
    "outcome",
    "flags",
    "consent_at",
    "consent_version",
    "consent_text",
    "status",
    "erased",
)
# A formula character (fullwidth ones too: Excel in East Asian locales reads ＝ as =; tab and CR
# because another import setting makes them cell breaks) is neutralised with a leading apostrophe
# where a spreadsheet may see the start of a cell: at the start of ours, and after a separator
# (`,` `;` tab or a line break, then any spaces). Our quotes keep those separators inside the cell
# in a normal import, but Excel in a `;` locale, a "split text to columns" or a paste of the cell
# splits there, and the text after the separator becomes a cell of its own.
_FORMULA_AT = re.compile(r"(?:^|(?<=[,;\t\r\n]))([^\S\t\r\n]*)(?=[=+\-@\t\r＝＋－＠])")
# The one exception: a phone in E.164 form (how the intake stores them) stays dialable, with no
# apostrophe that would break pasting it into a dialler. "+" then digits only is not a dangerous
# formula: a spreadsheet reads it as the number itself, and with no letters, brackets, "!" or "|"
# nothing can call a function, refer to a cell or start DDE. [0-9], not \d (which also matches
# other scripts' digits), and fullmatch, not ^...$ ($ also matches before a trailing newline, so
# "+447911123456\n=cmd|..." would pass).
_E164_PHONE = re.compile(r"\+[0-9]{6,15}")


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def request_record(request: ConsultationRequest) -> dict[str, Any]:
    erased = request.erased_at is not None
    record: dict[str, Any] = {
        "id": request.id,
        "reference": request.reference,
        "created_at": _iso(request.created_at),
        "channel": request.channel,
        "language": request.language,
        "name": request.name,
        "date_of_birth": _iso(request.date_of_birth),
        "age": request.age,
        "phone": request.phone,
        "email": request.email,
        "preferred_contact": request.preferred_contact,
        "concerns": request.concerns,
        "preferred_time": request.preferred_time,
        "health_notes": request.health_notes,
        "screening": {
            "outcome": request.outcome,
            "flags": []
            if erased
            else [
                {
                    "rule": answer.rule_id,
                    "level": answer.level,
                    "answer": answer.answer,
                    **({"follow_up": answer.follow_up} if answer.follow_up else {}),
                }
                for answer in request.answers
                if answer.level is not None
            ],
        },
        "consent_at": _iso(request.consent_at),
        "consent_version": request.consent_version,
        "consent_text": request.consent_text.text if request.consent_text else None,
        "status": request.status,
        "erased": erased,
    }
    if erased:
        record.update({name: None for name in PERSONAL_FIELDS})
    return record


def to_json(records: list[dict[str, Any]]) -> str:
    return json.dumps(records, ensure_ascii=False, indent=2) + "\n"


def _safe_cell(column: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if column == "phone" and _E164_PHONE.fullmatch(text):
        return text
    return _FORMULA_AT.sub(r"\1'", text)


def _flags_text(flags: list[dict[str, Any]]) -> str:
    return "; ".join(f"{flag['rule']} ({flag['level']}): {flag['answer']}" for flag in flags)


def to_csv(records: list[dict[str, Any]]) -> str:
    """Every cell quoted, CRLF line ends (RFC 4180), columns as named in the JSON export."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for record in records:
        flat = dict(record, outcome=record["screening"]["outcome"], flags=_flags_text(record["screening"]["flags"]))
        writer.writerow([_safe_cell(column, flat.get(column)) for column in CSV_COLUMNS])
    return out.getvalue()


def requests_csv(requests: list[ConsultationRequest]) -> str:
    """The CSV of `make export FORMAT=csv` and of the dashboard's "Export CSV": oldest first, like
    the JSON export, whatever order the caller loaded them in (with their answers and consent text)."""
    ordered = sorted(requests, key=lambda request: (request.created_at, request.id))
    return to_csv([request_record(request) for request in ordered])


def _record_export(url: str, count: int, fmt: str) -> None:
    with session_scope(url) as session:
        audit.record(session, audit.cli_actor(), "export", detail=f"{count} requests; format={fmt}; command line")


def main(argv: list[str] | None = None) -> int:
    restrict_new_files()  # a new SQLite database may be created by the migrations
    parser = argparse.ArgumentParser(prog="python -m bot.export", description=__doc__.split("\n\n")[0])
    parser.add_argument("--format", choices=("json", "csv"), default="json")
    parser.add_argument("--database-url", help="defaults to DATABASE_URL, then the local SQLite file")
    args = parser.parse_args(argv)
    url = args.database_url or settings_for_startup("export").database_url
    try:
        upgrade_to_head(url)
        requests = list_requests(url)
        output = to_json([request_record(r) for r in requests]) if args.format == "json" else requests_csv(requests)
        # Recorded before anything is printed: an export the audit log cannot show does not happen.
        _record_export(url, len(requests), args.format)
    except (StorageUnavailable, OperationalError, InterfaceError):
        print("export: the intake database could not be reached", file=sys.stderr)
        return 2
    except Exception as error:  # noqa: BLE001  (a clear one-line message instead of a traceback)
        print(f"export: failed: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    sys.stdout.reconfigure(encoding="utf-8")
    sys.stdout.write(output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
