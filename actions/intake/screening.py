"""The clinic's screening rules and the health-notes reader, built once per action-server process,
and the action that asks the current screening question."""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.config import settings
from bot.screening.health_notes import HealthNotesReader
from bot.screening.rules import Rule, ScreeningRules, cached_rules

# "Not sure" is an answer too: a practitioner checks it, so nobody has to guess yes or no.
SCREENING_BUTTONS = [{"title": "Yes", "payload": "yes"}, {"title": "No", "payload": "no"},
                     {"title": "Not sure", "payload": "not sure"}]


def screening_rules() -> ScreeningRules:
    return cached_rules(str(settings().screening_rules))


@lru_cache(maxsize=1)
def health_notes_reader() -> HealthNotesReader:
    return HealthNotesReader(screening_rules())


def current_rule(tracker: Tracker) -> Rule | None:
    index = int(tracker.get_slot("screening_index") or 0)
    rules = screening_rules().rules
    return rules[index] if index < len(rules) else None


class ActionAskScreeningReply(Action):
    """Asks the screening question the patient is at (or its follow-up), with a progress count."""

    def name(self) -> str:
        return "action_ask_screening_reply"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        rule = current_rule(tracker)
        if rule is None:
            return []
        if tracker.get_slot("screening_pending_follow_up") == rule.id and rule.follow_up:
            dispatcher.utter_message(text=rule.follow_up.question)
            return []
        index = int(tracker.get_slot("screening_index") or 0)
        total = len(screening_rules())
        intro = "Now a few health questions, so a practitioner can check microneedling is safe for you.\n" if index == 0 else ""
        dispatcher.utter_message(
            text=f"{intro}Question {index + 1} of {total}: {rule.question}\n{rule.explanation}",
            buttons=SCREENING_BUTTONS,
        )
        return []
