"""bot/rasa_speedups.py in Rasa's own environment: Rasa behaves exactly as before, only faster."""

from __future__ import annotations

from tests.support.rasa_env import run_in_rasa

CHECK = r"""
import json
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event, UserUttered, SlotSet

import bot.rasa_process  # noqa: F401  (applies the speedups, as when Rasa is started)

found = {"patched": RemoteAction._validate_action_result.__module__ == "bot.rasa_speedups"}
action = RemoteAction("action_x", None)
found["valid"] = action._validate_action_result({"events": [], "responses": [{"text": "hi"}]})
try:
    action._validate_action_result({"events": "not a list"})
    found["invalid"] = "accepted"
except ValidationError as error:
    found["invalid"] = error.message
found["user"] = Event.resolve_by_type("user") is UserUttered
found["slot twice"] = Event.resolve_by_type("slot") is SlotSet and Event.resolve_by_type("slot") is SlotSet
found["topic"] = Event.resolve_by_type("topic")
found["default"] = Event.resolve_by_type("no such", default=UserUttered) is UserUttered
try:
    Event.resolve_by_type("no such")
    found["unknown"] = "accepted"
except ValueError as error:
    found["unknown"] = str(error)
print(json.dumps(found))
"""


def test_the_speedups_keep_rasas_answers_and_errors():
    found = run_in_rasa(CHECK)
    assert found["patched"], "Rasa started through bot.rasa_process gets the speedups"
    assert found["valid"] is True
    assert "Failed to validate Action server response" in found["invalid"], "Rasa's own check and message"
    assert found["user"] and found["slot twice"] and found["default"]
    assert found["topic"] is None and found["unknown"] == "Unknown event name 'no such'."
