"""A patient's "delete my data", on the channel they used: asked once, then this conversation and
every request sent from it are erased, with an audit entry staff can see."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.config import settings
from actions.intake.slots import forget_conversation, reset_intake
from bot.channels import channel_of
from bot.dashboard.erasure import erase_conversation_requests
from bot.db.base import session_scope

log = logging.getLogger(__name__)


class ActionAskDeleteMyData(Action):
    """Asks before erasing anything. A form in progress was stopped first (rules.yml), and what it
    had collected is dropped from the slots: it is not sent, whatever the answer."""

    def name(self) -> str:
        return "action_ask_delete_my_data"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        dispatcher.utter_message(response="utter_ask_delete_my_data")
        return reset_intake()


def _erase(url: str, conversation_id: str, actor: str) -> list[str]:
    with session_scope(url) as session:
        return erase_conversation_requests(session, conversation_id, actor)


class ActionDeleteMyData(Action):
    def name(self) -> str:
        return "action_delete_my_data"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        actor = f"patient via {channel_of(tracker.sender_id, tracker.get_latest_input_channel())}"
        try:
            references = await asyncio.to_thread(_erase, settings().database_url, tracker.sender_id, actor)
        except Exception as error:  # keep the conversation, so asking again works
            log.warning("could not erase a patient's requests (%s)", type(error).__name__)
            dispatcher.utter_message(response="utter_my_data_not_deleted")
            return []
        log.info("patient erased their data: %d requests", len(references))
        if references:
            dispatcher.utter_message(response="utter_my_data_and_requests_deleted", references=", ".join(references))
        else:
            dispatcher.utter_message(response="utter_my_data_deleted")
        return forget_conversation(dispatcher)
