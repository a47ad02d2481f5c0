"""Relays widget messages to Rasa exactly once, however often the browser retries them.

The widget gives every message a client-made id and resends it with the same id when the
connection drops. The id goes on to Rasa, which runs the dialogue once per id and answers a resend
as it answered the first time (bot/exactly_once.py), whichever relay replica it comes through,
even after a restart. Within one relay process this is also done without asking Rasa: the relay
remembers, per conversation, the answer to each recent message id, a retry gets the remembered
answer, and a retry that arrives while the first is still with Rasa waits for that same answer.
Messages of one conversation go to Rasa one at a time, in the order they arrived (across replicas,
Rasa's lock store keeps that order). Memory is bounded: the least recently used conversations and
answers are forgotten first, and a conversation idle for longer than the clinic keeps an
unfinished form (retention.unfinished_form_hours, when the purge deletes it from Rasa too) keeps
only its message ids.

When a form ends, Rasa's answer carries `{"custom": {"forget_conversation": true}}` and Rasa has
deleted the conversation. The relay then forgets its answers too (they may hold the patient's
review summary), keeping only the ids it handled, so a late retry of one of them gets a neutral
reply instead of starting a new conversation in Rasa with a stale message.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.channels import WEB, sender_id_for
from bot.language import metadata_language
from bot.rasa_client import RasaUnavailable
from bot.responses import own_text

log = logging.getLogger(__name__)

# Rasa can answer with images, custom payloads and so on; the widget shows text and buttons only,
# and these caps keep one odd answer from filling the browser's storage. They bound what the bot
# says; what a patient may send is MAX_TEXT_CHARS in bot/web/validation.py.
MAX_BOT_TEXT_CHARS = 4000
MAX_BUTTONS = 10
MAX_BUTTON_FIELD_CHARS = 200

# The answer to a retry of a forgotten message (domain.yml, as every text of ours), in the
# message's language (its metadata); ALREADY_ANSWERED is the English one.
ALREADY_ANSWERED_RESPONSE = "utter_relay_already_answered"
ALREADY_ANSWERED = own_text(ALREADY_ANSWERED_RESPONSE)


class RasaSender(Protocol):
    async def send(
        self, sender_id: str, text: str, metadata: dict[str, Any] | None = None, message_id: str | None = None
    ) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class ChatAnswer:
    messages: list[dict[str, Any]]
    conversation_ended: bool = False  # Rasa deleted the conversation: the widget should forget it too

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"messages": self.messages}
        if self.conversation_ended:
            body["conversation_ended"] = True
        return body


@dataclass
class _Conversation:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    answers: OrderedDict[str, asyncio.Task] = field(default_factory=OrderedDict)
    # Ids of messages whose conversation ended, enough to answer a resend without Rasa: only the
    # message that ended it keeps its answer (the thanks and reference, no patient's answers),
    # and only until the conversation is idle; the others get the neutral reply.
    forgotten: OrderedDict[str, ChatAnswer | None] = field(default_factory=OrderedDict)
    last_used: float = 0.0


def ends_conversation(raw: list[dict[str, Any]]) -> bool:
    """Whether Rasa's output carries the marker that it has deleted this conversation."""
    return any(
        isinstance(item, dict)
        and isinstance(item.get("custom"), dict)
        and item["custom"].get("forget_conversation") is True
        for item in raw
    )


def normalise_messages(raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Keeps the text and buttons of Rasa's messages, as plain strings of bounded size.

    Custom payloads, the forget marker among them, are never shown: they become no message."""
    messages = []
    for item in raw:
        if not isinstance(item, dict):
            continue
        message: dict[str, Any] = {}
        text = item.get("text")
        if isinstance(text, str) and text.strip():
            message["text"] = text[:MAX_BOT_TEXT_CHARS]
        buttons = []
        for button in item.get("buttons") or []:
            if not isinstance(button, dict):
                continue
            title, payload = button.get("title"), button.get("payload")
            if isinstance(title, str) and isinstance(payload, str) and title.strip() and payload.strip():
                buttons.append({"title": title[:MAX_BUTTON_FIELD_CHARS], "payload": payload[:MAX_BUTTON_FIELD_CHARS]})
        if buttons:
            message["buttons"] = buttons[:MAX_BUTTONS]
        hints = {**(_emergency_alert(item.get("custom")) or {}), **_input_kind(item.get("custom"))}
        if hints and messages:  # Rasa sends a response's custom payload right after its text
            messages[-1].update(hints)
        if message:
            messages.append(message)
    return messages


_DIALABLE = re.compile(r"^\+?[0-9]{2,15}$")


INPUT_KINDS = ("tel", "email")


def _input_kind(custom: Any) -> dict[str, str]:
    """`{"input": "tel"}` on a question: the widget brings up the phone (or email) keyboard."""
    kind = custom.get("input") if isinstance(custom, dict) else None
    return {"input": kind} if kind in INPUT_KINDS else {}


def _emergency_alert(custom: Any) -> dict[str, str] | None:
    """`{"alert": "emergency", "call": "999"}` from utter_red_flag_emergency: the widget shows that
    message as an alert with a tap-to-call link. Only a plain number can become a tel: link."""
    if not isinstance(custom, dict) or custom.get("alert") != "emergency":
        return None
    number = str(custom.get("call", "")).replace(" ", "")
    return {"alert": "emergency", **({"call": number} if _DIALABLE.match(number) else {})}


class ChatRelay:
    def __init__(
        self,
        rasa: RasaSender,
        max_conversations: int = 5000,
        answers_per_conversation: int = 16,
        forget_after_seconds: float = 2 * 3600,
        clock=time.monotonic,
    ):
        self._rasa = rasa
        self._max_conversations = max_conversations
        self._answers_per_conversation = answers_per_conversation
        self._forget_after_seconds = forget_after_seconds
        self._clock = clock
        self._conversations: OrderedDict[str, _Conversation] = OrderedDict()

    async def send(
        self, session_id: str, message_id: str, text: str, metadata: dict[str, Any] | None = None
    ) -> ChatAnswer:
        """The bot's answer to one widget message; raises RasaUnavailable so the widget retries.

        `metadata` goes to Rasa with the message, and so does `message_id`: a retry that reaches
        another relay replica (or this one after a restart) is answered once by Rasa itself."""
        conversation = self._conversation(session_id)
        if message_id in conversation.forgotten:
            log.info("web message retried after its conversation ended (session %s)", session_id)
            neutral = own_text(ALREADY_ANSWERED_RESPONSE, language=metadata_language(metadata))
            return conversation.forgotten[message_id] or ChatAnswer([{"text": neutral}], conversation_ended=True)
        task = conversation.answers.get(message_id)
        if task is None:
            # A task of its own, so a browser that hangs up mid-answer does not cancel the
            # Rasa call: the answer is still remembered for the retry.
            task = asyncio.create_task(self._deliver(conversation, session_id, message_id, text, metadata))
            task.add_done_callback(_consume_exception)
            conversation.answers[message_id] = task
            while len(conversation.answers) > self._answers_per_conversation:
                conversation.answers.popitem(last=False)
        else:
            conversation.answers.move_to_end(message_id)
            log.info("web message retried; answering from memory (session %s)", session_id)
        return await asyncio.shield(task)

    async def _deliver(
        self, conversation: _Conversation, session_id: str, message_id: str, text: str, metadata: dict[str, Any] | None
    ) -> ChatAnswer:
        sender = sender_id_for(WEB, session_id)
        try:
            async with conversation.lock:
                raw = await self._rasa.send(sender, text, metadata=metadata, message_id=message_id)
        except BaseException:
            # Nothing reached the dialogue (or we cannot know): let a retry try again.
            if conversation.answers.get(message_id) is asyncio.current_task():
                del conversation.answers[message_id]
            raise
        if not ends_conversation(raw):
            return ChatAnswer(normalise_messages(raw))
        final = ChatAnswer(normalise_messages(raw), conversation_ended=True)
        self._forget(conversation, session_id, final=final)
        return final

    def _forget(
        self, conversation: _Conversation, session_id: str, why: str = "ended", final: ChatAnswer | None = None
    ) -> None:
        # Answered messages keep only their ids (the one that ended it, its `final` answer);
        # messages still waiting for the lock come after the end: the new conversation's, they stay.
        current = asyncio.current_task()
        for message_id in conversation.forgotten:
            conversation.forgotten[message_id] = None
        for message_id, task in list(conversation.answers.items()):
            if task is current or task.done():
                del conversation.answers[message_id]
                conversation.forgotten[message_id] = final if task is current else None
        while len(conversation.forgotten) > self._answers_per_conversation:
            conversation.forgotten.popitem(last=False)
        log.info("web conversation %s; its answers are forgotten (session %s)", why, session_id)

    def forget_idle(self) -> int:
        """Forgets the answers of conversations idle for longer than the clinic keeps an unfinished
        form (an abandoned intake's review summary among them); returns how many."""
        idle_before = self._clock() - self._forget_after_seconds
        forgotten = 0
        # Least recently used first: the first one still in use ends the sweep, so on a message's
        # path this looks at one or two conversations (no copy: forgetting leaves the dict as it is).
        for session_id, conversation in self._conversations.items():
            if conversation.last_used >= idle_before:
                break
            kept = conversation.answers or any(conversation.forgotten.values())
            if kept and not conversation.lock.locked():
                self._forget(conversation, session_id, why="idle")
                forgotten += 1
        return forgotten

    async def forget_idle_every(self, seconds: float) -> None:
        while True:
            await asyncio.sleep(seconds)
            self.forget_idle()

    def _conversation(self, session_id: str) -> _Conversation:
        conversation = self._conversations.get(session_id)
        if conversation is None:
            conversation = self._conversations[session_id] = _Conversation()
            while len(self._conversations) > self._max_conversations:
                self._conversations.popitem(last=False)
        else:
            self._conversations.move_to_end(session_id)
        self.forget_idle()  # before this one counts as used: a retry after the time gets no answer
        conversation.last_used = self._clock()
        return conversation


def _consume_exception(task: asyncio.Task) -> None:
    # The caller that awaited may have gone (browser hung up); read the error so asyncio does
    # not log "exception was never retrieved", and log only its kind, never message text.
    if not task.cancelled() and task.exception() is not None:
        error = task.exception()
        if not isinstance(error, RasaUnavailable):
            log.error("relaying a web message failed: %s", type(error).__name__)
