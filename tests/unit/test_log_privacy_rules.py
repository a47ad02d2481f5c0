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


# Each server's main, with its serving call replaced by one that fails with the patient's value in
# the message: what the process writes must name the failure but not the value.
SERVER_FAILS = {
    "bot.web.__main__": "import uvicorn; uvicorn.run = fail",
    "bot.dashboard.__main__": "import uvicorn; uvicorn.run = fail",
    "bot.telegram.__main__": "from bot.telegram.bridge import TelegramBridge; TelegramBridge.run = fail",
}


@pytest.mark.parametrize("module", sorted(SERVER_FAILS))
def test_our_servers_log_a_failure_without_the_patients_words(module, tmp_path):
    import subprocess
    import sys

    from bot.settings import PROJECT_ROOT

    script = f"""
import logging, runpy, sys
def fail(*args, **kwargs):
    try:
        raise ValueError("could not read {SECRET}")
    except ValueError:
        logging.getLogger("server").exception("serving failed for {{}}".format("web-1"))
{SERVER_FAILS[module]}
sys.argv = ["{module}"]
runpy.run_module("{module}", run_name="__main__")
"""
    env = {"PATH": "/usr/bin:/bin", "VAR_DIR": str(tmp_path), "TELEGRAM_BOT_TOKEN": "123:abc"}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    output = result.stdout + result.stderr
    assert "serving failed for web-1" in output and "ValueError" in output, output[-2000:]
    assert SECRET not in output
