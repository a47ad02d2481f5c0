"""Work Rasa 3.6 repeats on every message that need only be done once, undone in our Rasa process.

Found by profiling Rasa under load (docs/benchmark.md, "Where the time goes"):
- every answer of the action server is checked against Rasa's response schema with
  `jsonschema.validate`, which first checks the *schema itself* against the JSON Schema
  meta-schema and builds a new validator (rasa/core/actions/action.py,
  `RemoteAction._validate_action_result`): about a third of Rasa's time under load went there.
  The schema never changes, so it is checked once and one validator kept; a response that does not
  validate still goes through Rasa's own method, which raises with Rasa's own message.
- every event read back from the tracker store finds its class by scanning all subclasses of
  `Event`, recursively (rasa/shared/core/events.py, `Event.resolve_by_type`): each type's
  answer is kept after Rasa's own scan has found it.

Imported by Rasa's process only (bot/rasa_process.py), so it may import Rasa.
"""

from __future__ import annotations

from typing import Any

_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    from jsonschema import validators
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)  # once, not per response
    validator = validator_class(schema)
    rasas_own = RemoteAction._validate_action_result

    def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        if validator.is_valid(result):
            return True
        return rasas_own(self, result)  # raises jsonschema's ValidationError with Rasa's explanation

    RemoteAction._validate_action_result = _validate_action_result
    _remember_event_classes()
    _installed = True


def _remember_event_classes() -> None:
    from rasa.shared.core.events import Event

    rasas_own = Event.resolve_by_type
    found: dict[str, type] = {}

    def resolve_by_type(type_name: str, default: type | None = None) -> type | None:
        event_class = found.get(type_name)
        if event_class is None:
            event_class = rasas_own(type_name, default)  # Rasa's scan, its fallbacks and errors
            if event_class is not None and getattr(event_class, "type_name", None) == type_name:
                found[type_name] = event_class
        return event_class

    Event.resolve_by_type = staticmethod(resolve_by_type)
