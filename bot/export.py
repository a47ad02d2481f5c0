"""Prints every stored consultation request as JSON (default) or CSV on stdout.

    python -m bot.export [--format json|csv] [--database-url URL]

Runs the migrations first, so an empty or new database prints `[]`. Only the data goes to
stdout; problems go to stderr with a non-zero exit status. Erased requests are kept in the
export with every personal field null, no screening flags, and `"erased": true`, so the
clinic's numbers add up without showing anything that was erased. In CSV, cells that a
spreadsheet would run as a formula are prefixed with an apostrophe (the phone's "+" excepted).
Each request says when consent was given and to which text (`consent_version`, `consent_text`:
the words the patient agreed to; both null for requests stored before versions were recorded).
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from typing import Any

from sqlalchemy.exc import InterfaceError, OperationalError

from bot.db.migrate import upgrade_to_head
from bot.db.models import ConsultationRequest
from bot.db.repository import StorageUnavailable, list_requests
from bot.private_files import restrict_new_files

PERSONAL_FIELDS = ("name", "date_of_birth", "age", "phone", "email", "preferred_contact", "concerns",
                   "treatment_areas", "preferred_time", "health_notes")
CSV_COLUMNS = ("id", "reference", "created_at", "channel", "name", "date_of_birth", "age", "phone", "email",
               "preferred_contact", "concerns", "treatment_areas", "preferred_time", "health_notes",
               "outcome", "flags", "consent_at", "consent_version", "consent_text", "status", "erased")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def request_record(request: ConsultationRequest) -> dict[str, Any]:
    erased = request.erased_at is not None
    record: dict[str, Any] = {
        "id": request.id,
        "reference": request.reference,
        "created_at": _iso(request.created_at),
        "channel": request.channel,
        "name": request.name,
        "date_of_birth": _iso(request.date_of_birth),
        "age": request.age,
        "phone": request.phone,
        "email": request.email,
        "preferred_contact": request.preferred_contact,
        "concerns": request.concerns,
        "treatment_areas": request.treatment_areas,
        "preferred_time": request.preferred_time,
        "health_notes": request.health_notes,
        "screening": {
            "outcome": request.outcome,
            "flags": [] if erased else [
                {"rule": answer.rule_id, "level": answer.level, "answer": answer.answer,
                 **({"follow_up": answer.follow_up} if answer.follow_up else {})}
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


def _csv_cell(column: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if column != "phone" and text.startswith(_FORMULA_START):
        return "'" + text
    return text


def _flags_text(flags: list[dict[str, Any]]) -> str:
    return "; ".join(f"{flag['rule']} ({flag['level']}): {flag['answer']}" for flag in flags)


def to_csv(records: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for record in records:
        flat = dict(record, outcome=record["screening"]["outcome"], flags=_flags_text(record["screening"]["flags"]))
        writer.writerow([_csv_cell(column, flat.get(column)) for column in CSV_COLUMNS])
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    restrict_new_files()  # a new SQLite database may be created by the migrations
    parser = argparse.ArgumentParser(prog="python -m bot.export", description=__doc__.split("\n\n")[0])
    parser.add_argument("--format", choices=("json", "csv"), default="json")
    parser.add_argument("--database-url", help="defaults to DATABASE_URL, then the local SQLite file")
    args = parser.parse_args(argv)
    if args.database_url:
        url = args.database_url
    else:
        from bot.settings import get_settings

        url = get_settings().database_url
    try:
        upgrade_to_head(url)
        records = [request_record(request) for request in list_requests(url)]
    except (StorageUnavailable, OperationalError, InterfaceError):
        print("export: the intake database could not be reached", file=sys.stderr)
        return 2
    except Exception as error:  # noqa: BLE001  (a clear one-line message instead of a traceback)
        print(f"export: failed: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    output = to_json(records) if args.format == "json" else to_csv(records)
    sys.stdout.reconfigure(encoding="utf-8")
    sys.stdout.write(output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
