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
the ids it handled (`ended_messages`), and for an hour the answer to the message that ended it
(the thanks and the reference, never the patient's answers): a resend of that message gets that
answer again, say because the reply was lost when a relay died, and a resend of an earlier one
gets the neutral "already answered" text with the forget marker, never a new conversation.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.language import metadata_language
from bot.privacy import FORGET_CONVERSATION
from bot.responses import variation

log = logging.getLogger(__name__)

ALREADY_ANSWERED_RESPONSE = "utter_relay_already_answered"


def earlier_turn(tracker: DialogueStateTracker, message_id: str) -> Optional[List[BotUttered]]:
    """The bot's utterances that followed the patient's message `message_id`; None when this
    conversation has no such message."""
    utterances: Optional[List[BotUttered]] = None
    for event in tracker.events:
        if isinstance(event, UserUttered):
            if utterances is not None:
                break
            if event.message_id == message_id:
                utterances = []
        elif utterances is not None and isinstance(event, BotUttered):
            utterances.append(event)
    return utterances


async def _send_again(channel: CollectingOutputChannel, recipient_id: str, utterances: List[BotUttered]) -> None:
    # As Rasa's processor sent them the first time (MessageProcessor._send_bot_messages), so the
    # resend's answer is the same list: a text, then its custom payload as a message of its own.
    for utterance in utterances:
        await channel.send_response(recipient_id, utterance.message())


def _already_answered(processor: MessageProcessor, metadata: Any = None) -> BotUttered:
    """The neutral reply, in the language the resent message's metadata says (its conversation,
    and so its `language` slot, is gone)."""
    variations = processor.domain.responses.get(ALREADY_ANSWERED_RESPONSE) or [{}]
    chosen = variation(variations, {"language": metadata_language(metadata)})
    return BotUttered(chosen.get("text"), {"custom": {FORGET_CONVERSATION: True}})


def _tracker_store(processor: MessageProcessor) -> Any:
    store = processor.tracker_store
    return getattr(store, "_tracker_store", store)  # Rasa wraps ours in a FailSafeTrackerStore


async def handle_message_once(self: MessageProcessor, message: UserMessage) -> Optional[List[Dict[str, Any]]]:
    """Rasa 3.6.21's MessageProcessor.handle_message, with the conversation read once and looked up
    for the message's id first. Runs under the conversation's lock (Agent.handle_message)."""
    tracker = await self.get_tracker(message.sender_id)
    # Without an id from the client, Rasa made up a new one: it is in no conversation.
    channel = message.output_channel
    if isinstance(channel, CollectingOutputChannel):
        earlier = earlier_turn(tracker, message.message_id)
        ended = getattr(_tracker_store(self), "ended_with", None)
        fresh = not any(isinstance(event, UserUttered) for event in tracker.events)
        kept = ended(message.sender_id, message.message_id) if earlier is None and fresh and ended else None
        if kept is not None:
            log.info("message received again after its conversation ended")
            earlier = [BotUttered.from_parameters(event) for event in kept] or [
                _already_answered(self, message.metadata)
            ]
        elif earlier is not None:
            log.info("message received again; answered as the first time, not run again")
        if earlier is not None:
            await _send_again(channel, message.sender_id, earlier)
            return channel.messages
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
