"""Each patient message runs the dialogue once, however often it reaches Rasa. Runs inside Rasa's
process (bot/rasa_process.py installs it).

Every message from the widget or Telegram carries an id that stays the same when it is sent again
(the relay or the bridge timed out, restarted, or a second replica took the retry). Rasa's
processor handles a conversation's messages one at a time under its lock store (Redis across
replicas), so by the time a resend gets the lock, the first delivery has finished and saved its
turn. Here the processor first looks for the id among the conversation's turns: if it is there,
the resend gets the answers the bot gave then, and the dialogue does not run again (a slow "no"
and its resend can no longer answer two screening questions).

A conversation deleted at the end of its form (bot/privacy/tracker_store.py) keeps, for a day,
the ids it handled and nothing else (`ended_messages`): a late resend of one gets the neutral
"already answered" text with the forget marker, instead of starting a new conversation.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.privacy import FORGET_CONVERSATION

log = logging.getLogger(__name__)

ALREADY_ANSWERED_RESPONSE = "utter_relay_already_answered"


def answers_already_given(tracker: DialogueStateTracker, message_id: str) -> Optional[List[Dict[str, Any]]]:
    """The bot's messages that followed the patient's message `message_id`, as the REST channel
    returned them; None when this conversation has no such message."""
    answers: Optional[List[Dict[str, Any]]] = None
    for event in tracker.events:
        if isinstance(event, UserUttered):
            if answers is not None:
                break
            if event.message_id == message_id:
                answers = []
        elif answers is not None and isinstance(event, BotUttered):
            answers.append(_as_sent(tracker.sender_id, event))
    return answers


def _as_sent(recipient_id: str, event: BotUttered) -> Dict[str, Any]:
    data = event.data or {}
    return CollectingOutputChannel._message(
        recipient_id,
        text=event.text,
        image=data.get("image"),
        buttons=data.get("buttons"),
        attachment=data.get("attachment"),
        custom=data.get("custom"),
    )


def _already_answered(processor: MessageProcessor, recipient_id: str) -> List[Dict[str, Any]]:
    variations = processor.domain.responses.get(ALREADY_ANSWERED_RESPONSE) or [{}]
    return [
        CollectingOutputChannel._message(
            recipient_id, text=variations[0].get("text"), custom={FORGET_CONVERSATION: True}
        )
    ]


def _answer(channel: CollectingOutputChannel, messages: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The REST channel answers with what its collector holds, not with what we return."""
    channel.messages.extend(messages)
    return channel.messages


def _tracker_store(processor: MessageProcessor) -> Any:
    store = processor.tracker_store
    return getattr(store, "_tracker_store", store)  # Rasa wraps ours in a FailSafeTrackerStore


async def handle_message_once(self: MessageProcessor, message: UserMessage) -> Optional[List[Dict[str, Any]]]:
    """Rasa 3.6.21's MessageProcessor.handle_message, with the conversation read once and looked up
    for the message's id first. Runs under the conversation's lock (Agent.handle_message)."""
    tracker = await self.get_tracker(message.sender_id)
    # Without an id from the client, Rasa made up a new one: it is in no conversation.
    if isinstance(message.output_channel, CollectingOutputChannel):
        earlier = answers_already_given(tracker, message.message_id)
        if earlier is not None:
            log.info("message received again; answered as the first time, not run again")
            return _answer(message.output_channel, earlier)
        ended = getattr(_tracker_store(self), "ended_with", None)
        fresh = not any(isinstance(event, UserUttered) for event in tracker.events)
        if fresh and ended is not None and ended(message.sender_id, message.message_id):
            log.info("message received again after its conversation ended")
            return _answer(message.output_channel, _already_answered(self, message.sender_id))
    # From here on exactly Rasa's own steps (log_message without a second read of the tracker).
    await self._update_tracker_session(tracker, message.output_channel, message.metadata)
    await self._handle_message_with_tracker(message, tracker)
    tracker = await self.run_action_extract_slots(message.output_channel, tracker)
    await self._run_prediction_loop(message.output_channel, tracker)
    await self.run_anonymization_pipeline(tracker)
    await self.save_tracker(tracker)
    if isinstance(message.output_channel, CollectingOutputChannel):
        return message.output_channel.messages
    return None


def install() -> None:
    MessageProcessor.handle_message = handle_message_once
