"""What our processes may write to their logs: never a patient's answers.

Why this exists: when a custom action raised, the action server answered Rasa with a 500 whose
body echoes the whole request (rasa_sdk/endpoint.py, `exception_handler`: "request_body"), Rasa
put that body into the message of a `ClientResponseError` (rasa/utils/endpoints.py,
`EndpointConfig.request`), and `logger.exception` in rasa/core/processor.py (`_run_action`) wrote
the chained traceback, i.e. the whole tracker: name, date of birth, phone, email, health notes,
screening answers. The action server's own traceback carried the action's exception message,
which can embed values too (SQLAlchemy errors print their SQL parameters, `date.fromisoformat`
the text it could not read). Rasa also logs user texts, slots and events at DEBUG, and its
structured events (structlog, JSON when not on a terminal) carry texts and, for exceptions, the
local variables of every frame.

So, in every process that calls `install()` (Rasa through bot/rasa_logging.yml, the action
server through actions/__init__.py, the relay, the dashboard and the Telegram bridge through
`start_logging`), whatever logger or handler a record goes to:
- an exception is logged as its type and where it was raised (the traceback's frames), never its
  message: a message is text the code had at hand, and that is the patient's;
- a structured (JSON) event keeps its name, level and a few ids; other fields are withheld;
- nothing below INFO is logged at all, even with LOG_LEVEL=DEBUG.
Ids that say what failed (action name, sender id, error type) stay, so failures can be traced.

Standard library only: it is imported by Rasa's Python 3.10 environment as well as ours.
"""

from __future__ import annotations

import json
import logging
import traceback

WITHHELD = "<withheld>"
# Fields of Rasa's structured events that are ids, not content.
EVENT_IDS = {
    "event",
    "event_key",
    "event_info",
    "level",
    "timestamp",
    "sender_id",
    "action_name",
    "policy_name",
    "status",
}


def exception_text(error: BaseException) -> str:
    """The traceback of `error` and of the exceptions it was raised from, without their messages."""
    chain: list[BaseException] = []
    while error is not None and error not in chain:
        chain.append(error)
        error = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
    parts = []
    for error in reversed(chain):  # the oldest first, as Python prints them
        kind = type(error).__qualname__
        if type(error).__module__ != "builtins":
            kind = f"{type(error).__module__}.{kind}"
        parts.append(
            "Traceback (most recent call last):\n"
            + "".join(traceback.format_tb(error.__traceback__))
            + f"{kind}: (message withheld: it may hold personal data)"
        )
    return "\n\nThe above exception led to the following one:\n\n".join(parts)


def private_event(message: str) -> str:
    """A structlog JSON line with every field that is not an id withheld; other text unchanged."""
    try:
        event = json.loads(message) if message.startswith("{") else None
    except ValueError:
        return message
    if not isinstance(event, dict) or "event" not in event:
        return message
    for key, value in event.items():
        if key == "exception" and isinstance(value, list):  # structlog's dict_tracebacks: keep type and place
            event[key] = [
                {
                    "exc_type": item.get("exc_type"),
                    "frames": [
                        {name: frame.get(name) for name in ("filename", "lineno", "name")}
                        for frame in item.get("frames", [])
                    ],
                }
                for item in value
                if isinstance(item, dict)
            ]
        elif key not in EVENT_IDS or not isinstance(value, (str, int, float, bool, type(None))):
            event[key] = WITHHELD
    return json.dumps(event)


def _private(make_record):
    def make_private_record(*args, **kwargs) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text, record.exc_info = exception_text(record.exc_info[1]), None
        if isinstance(record.msg, str) and not record.args and record.msg.startswith("{"):
            record.msg = private_event(record.msg)
        return record

    make_private_record.private = True
    return make_private_record


def install() -> None:
    """Applies the rules above to every record this process logs from now on (idempotent)."""
    logging.disable(logging.DEBUG)
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "private", False):
        logging.setLogRecordFactory(_private(factory))


def start_logging() -> None:
    """For our own servers (relay, dashboard, Telegram bridge): INFO lines on stderr, with the rules."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    install()


class PrivacyFilter(logging.Filter):
    """For logging configuration files (dictConfig): creating it installs the rules process-wide,
    because Rasa adds its own handlers after reading the file, and a filter sees only its handler."""

    def __init__(self, name: str = "") -> None:
        super().__init__(name)
        install()
