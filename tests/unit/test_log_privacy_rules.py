"""bot/log_privacy.py on records made here; tests/integration/test_log_privacy.py runs it in the real processes."""

from __future__ import annotations

import json
import logging

import pytest

from bot.log_privacy import WITHHELD, _private, exception_text, private_event

SECRET = "Zelda Quux-Testperson"


def raised_from_a_cause() -> BaseException:
    try:
        try:
            raise ValueError(f"Invalid isoformat string: {SECRET!r}")
        except ValueError as cause:
            raise RuntimeError(f"could not store {SECRET}") from cause
    except RuntimeError as error:
        return error


def test_an_exception_keeps_its_type_and_frames_but_not_its_message():
    text = exception_text(raised_from_a_cause())
    assert SECRET not in text
    assert "ValueError: (message withheld" in text and "RuntimeError: (message withheld" in text
    assert text.index("ValueError") < text.index("RuntimeError"), "the cause first, as Python prints it"
    assert "raised_from_a_cause" in text


def test_a_record_with_exc_info_is_rendered_without_the_message():
    make = _private(logging.LogRecord)
    error = raised_from_a_cause()
    record = make(
        "rasa.core.processor",
        logging.ERROR,
        __file__,
        1,
        "running action %r failed",
        ("action_finish_intake",),
        (type(error), error, error.__traceback__),
    )
    line = logging.Formatter("%(message)s").format(record)
    assert "running action 'action_finish_intake' failed" in line and "RuntimeError" in line
    assert SECRET not in line


def test_a_structured_event_keeps_ids_and_withholds_content():
    event = {
        "event": "rest.message.received.failure",
        "level": "error",
        "sender_id": "web-1",
        "text": SECRET,
        "slots": {"full_name": SECRET},
        "exception": [
            {
                "exc_type": "KeyError",
                "exc_value": SECRET,
                "frames": [{"filename": "x.py", "lineno": 3, "name": "f", "locals": {"n": SECRET}}],
            }
        ],
    }
    cleaned = json.loads(private_event(json.dumps(event)))
    assert SECRET not in json.dumps(cleaned)
    assert cleaned["event"] == "rest.message.received.failure" and cleaned["sender_id"] == "web-1"
    assert cleaned["text"] == WITHHELD and cleaned["slots"] == WITHHELD
    assert cleaned["exception"] == [
        {"exc_type": "KeyError", "frames": [{"filename": "x.py", "lineno": 3, "name": "f"}]}
    ]


@pytest.mark.parametrize("message", ["Rasa server is up and running.", "{not json", '{"no": "event key"}'])
def test_other_messages_are_left_alone(message):
    assert private_event(message) == message
