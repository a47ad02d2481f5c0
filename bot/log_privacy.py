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

Every record also carries the conversation reference and the request id of the message being
handled (`conversation`, `request_id`: set by `about_message`), so one conversation can be followed
across replicas; with LOG_FORMAT=json (as the deployment files set) each line is a JSON object.

Standard library only: it is imported by Rasa's Python 3.10 environment as well as ours.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import os
import time
import traceback
import uuid
from typing import Iterator, Optional

_CONVERSATION: contextvars.ContextVar[str] = contextvars.ContextVar("conversation_ref", default="")
_REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")

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


def new_request_id() -> str:
    return uuid.uuid4().hex[:16]


def current_request_id() -> str:
    return _REQUEST_ID.get()


def current_conversation() -> str:
    return _CONVERSATION.get()


@contextlib.contextmanager
def about_message(conversation: str = "", request_id: Optional[str] = None) -> Iterator[str]:
    """Every record logged inside names this conversation (a reference, never a chat id) and this
    request (a new id unless one came with the request); yields the request id."""
    request_id = request_id or new_request_id()
    tokens = (_CONVERSATION.set(conversation[:32]), _REQUEST_ID.set(request_id[:64]))
    try:
        yield request_id
    finally:
        _REQUEST_ID.reset(tokens[1])
        _CONVERSATION.reset(tokens[0])


def _private(make_record):
    def make_private_record(*args, **kwargs) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        record.conversation, record.request_id = _CONVERSATION.get(), _REQUEST_ID.get()
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
    json_lines = PartFormatter()
    if json_lines.as_json and not getattr(logging.Handler.format, "json_lines", False):
        # Every handler, whoever made it (Rasa and Sanic make their own after reading our file).
        def format_as_json(_handler: logging.Handler, record: logging.LogRecord) -> str:
            return json_lines.format(record)

        format_as_json.json_lines = True
        logging.Handler.format = format_as_json


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class PartFormatter(logging.Formatter):
    """Text lines locally; one JSON object per line when LOG_FORMAT=json (read when the process
    starts: Rasa's logging file names this class too, and Rasa's process has no settings module)."""

    def __init__(self, fmt: Optional[str] = None, datefmt: Optional[str] = None, style: str = "%", **_: object):
        super().__init__(fmt or TEXT_FORMAT, datefmt, style)
        self.as_json = os.environ.get("LOG_FORMAT", "text").strip().lower() == "json"
        self.part = os.environ.get("LOG_PART", "")

    def format(self, record: logging.LogRecord) -> str:
        if not self.as_json:
            return super().format(record)
        line = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "part": self.part,
            "logger": record.name,
            "message": record.getMessage(),
            "conversation": getattr(record, "conversation", ""),
            "request_id": getattr(record, "request_id", ""),
        }
        if record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line, ensure_ascii=False)


def start_logging() -> None:
    """For our own servers (relay, dashboard, Telegram bridge): INFO lines on stderr, with the rules."""
    handler = logging.StreamHandler()
    handler.setFormatter(PartFormatter())
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    install()


class PrivacyFilter(logging.Filter):
    """For logging configuration files (dictConfig): creating it installs the rules process-wide,
    because Rasa adds its own handlers after reading the file, and a filter sees only its handler."""

    def __init__(self, name: str = "") -> None:
        super().__init__(name)
        install()
