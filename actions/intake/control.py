"""Leaving the intake at any point ("stop", "cancel") or starting it again ("start over")."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.intake.slots import forget_conversation, reset_intake


class ActionCancelIntake(Action):
    def name(self) -> str:
        return "action_cancel_intake"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        dispatcher.utter_message(response="utter_intake_cancelled")
        return [ActiveLoop(None), *forget_conversation(dispatcher)]


class ActionRestartIntake(Action):
    def name(self) -> str:
        return "action_restart_intake"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        dispatcher.utter_message(response="utter_intake_restarted")
        return reset_intake()
