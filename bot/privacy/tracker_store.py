"""Rasa's SQL tracker store, made private. Runs inside Rasa's own process (endpoints.yml names it).

Rasa keeps every event of a conversation (what the patient typed, every slot, every bot message)
in one table. Two things change here, and nothing else, so Rasa's own code still does the work:

- Each event's content is encrypted before it is written (Fernet: AES with an HMAC, from the
  `cryptography` package Rasa already ships), and the intent name, which can give an answer away
  ("affirm" after "are you pregnant?"), is not written at all. Type and action names stay in clear:
  they name steps of the dialogue, never what anyone said, and the purge job reads them.
- When a bot message of this turn carries the `forget_conversation` marker (a form has ended:
  stored, cancelled, consent refused, under 18, erased on request), the whole conversation is
  deleted once the turn is saved. The patient's next message starts a new, empty conversation.

The key comes from TRACKER_ENCRYPTION_KEY (one or more Fernet keys, comma-separated, the first
encrypts: rotate by putting a new key first). Without it, a key is generated once in
TRACKER_KEY_FILE (default var/tracker.key), readable by its owner only. Losing the key loses only
conversations in progress; stored requests live in the intake database.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import Any, Optional, Sequence

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from rasa.core.tracker_store import SQLTrackerStore, _create_sequence
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.ext.declarative import declarative_base
from sqlalchemy.types import String, Text, TypeDecorator

from bot.privacy import FORGET_CONVERSATION
from bot.private_files import create_once

log = logging.getLogger(__name__)

ENCRYPTED_PREFIX = "fernet:"
PROJECT_ROOT = Path(__file__).resolve().parents[2]


class TrackerKeyError(RuntimeError):
    """The encryption key is unusable. Not an ImportError or AttributeError on purpose: Rasa would
    quietly fall back to an in-memory store for those, and conversations would not survive a restart."""


# The one place outside bot/settings.py that reads the environment: this module runs inside Rasa's
# Python 3.10 process, which has no pydantic-settings. bot.stack.rasa_environment sets VAR_DIR.
def _key_file() -> Path:
    var_dir = Path(os.environ.get("VAR_DIR") or PROJECT_ROOT / "var")
    return Path(os.environ.get("TRACKER_KEY_FILE") or var_dir / "tracker.key")


def load_cipher() -> MultiFernet:
    configured = os.environ.get("TRACKER_ENCRYPTION_KEY", "").strip()
    keys = (
        [key.strip().encode() for key in configured.split(",") if key.strip()]
        if configured
        else [create_once(_key_file(), Fernet.generate_key)]
    )
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except (ValueError, TypeError) as error:
        raise TrackerKeyError(
            "TRACKER_ENCRYPTION_KEY (or the key file) is not a valid Fernet key: make one with "
            "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`"
        ) from error


class EncryptedText(TypeDecorator):
    """Text encrypted on the way in and decrypted on the way out. Rows written before encryption
    was turned on read as they are, until `encrypt_clear_rows` (run at start-up) rewrites them."""

    impl = Text
    cache_ok = True
    cipher: Optional[MultiFernet] = None  # set once by the store, before any row is read

    def process_bind_param(self, value: Optional[str], dialect: Any) -> Optional[str]:
        if value is None:
            return None
        return ENCRYPTED_PREFIX + self.cipher.encrypt(value.encode("utf-8")).decode("ascii")

    def process_result_value(self, value: Optional[str], dialect: Any) -> Optional[str]:
        if value is None or not value.startswith(ENCRYPTED_PREFIX):
            return value
        try:
            return self.cipher.decrypt(value[len(ENCRYPTED_PREFIX) :].encode("ascii")).decode("utf-8")
        except InvalidToken as error:
            raise TrackerKeyError("a conversation was encrypted with a key that is no longer configured") from error


class Withheld(TypeDecorator):
    """A column Rasa fills in that we never write: NULL whatever is given."""

    impl = String(255)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> None:
        return None


Base = declarative_base()


class PrivateEvent(Base):
    """Rasa's `events` table, column for column, so Rasa's queries work unchanged."""

    __tablename__ = "events"

    id = sa.Column(sa.Integer, _create_sequence(__tablename__), primary_key=True)
    sender_id = sa.Column(sa.String(255), nullable=False, index=True)
    type_name = sa.Column(sa.String(255), nullable=False)
    timestamp = sa.Column(sa.Float)
    intent_name = sa.Column(Withheld())
    action_name = sa.Column(sa.String(255))
    data = sa.Column(EncryptedText())


class EndedMessage(Base):
    """The id of a message whose conversation was deleted at its form's end (bot/exactly_once.py
    answers a late resend of it). Only the message that ended it keeps its answer, encrypted (the
    thanks and reference, or "nothing was stored": never the patient's answers), so a resend of it
    still gets that answer, for an hour; a resend of an earlier message gets a neutral one."""

    __tablename__ = "ended_messages"

    id = sa.Column(sa.Integer, _create_sequence(__tablename__), primary_key=True)
    sender_id = sa.Column(sa.String(255), nullable=False, index=True)
    message_id = sa.Column(sa.String(255), nullable=False)
    ended_at = sa.Column(sa.Float, nullable=False)
    answer = sa.Column(EncryptedText(), nullable=True)  # the final turn's bot events, as JSON


ENDED_IDS_KEPT_SECONDS = 24 * 3600
FINAL_ANSWER_KEPT_SECONDS = 3600


def asks_to_forget(tracker: DialogueStateTracker) -> bool:
    """True when a bot message since the patient's latest message carries the forget marker."""
    for event in reversed(tracker.events):
        if event.type_name == "user":
            return False
        if event.type_name == "bot" and ((event.data or {}).get("custom") or {}).get(FORGET_CONVERSATION):
            return True
    return False


class PrivateSQLTrackerStore(SQLTrackerStore):
    Base = Base
    SQLEvent = PrivateEvent

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        EncryptedText.cipher = load_cipher()
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            # Deleted rows are overwritten, not left readable in the file's free pages.
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            self.engine.dispose()
        self.encrypt_clear_rows()

    # Rasa's own save and load, with the same queries, except that new events are inserted in one
    # statement and read back as their data column only, rather than one ORM object each: the
    # tracker store was the largest part of Rasa's time under load (docs/benchmark.md).
    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        with self.session_scope() as session:
            new = [_row(tracker.sender_id, event) for event in self._additional_events(session, tracker)]
            if new:
                session.execute(self.SQLEvent.__table__.insert(), new)
            session.commit()
        if asks_to_forget(tracker):
            self.forget(tracker.sender_id, _message_ids(tracker), _last_answer(tracker))

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool) -> Optional[DialogueStateTracker]:
        with self.session_scope() as session:
            query = self._event_query(session, sender_id, fetch_events_from_all_sessions)
            events = [json.loads(data) for (data,) in query.with_entities(self.SQLEvent.data).all()]
        if self.domain and events:
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        return None

    def forget(
        self, sender_id: str, message_ids: Sequence[str] = (), final_answer: Optional[list[dict[str, Any]]] = None
    ) -> None:
        """Deletes the conversation; keeps only the ids of its messages (`message_ids`), and the
        last one's answer (`final_answer`: bot events as dicts)."""
        now = time.time()
        ended = EndedMessage.__table__
        with self.session_scope() as session:
            deleted = session.query(self.SQLEvent).filter(self.SQLEvent.sender_id == sender_id).delete()
            session.execute(ended.delete().where(ended.c.ended_at < now - ENDED_IDS_KEPT_SECONDS))
            session.execute(
                ended.update()
                .where(ended.c.ended_at < now - FINAL_ANSWER_KEPT_SECONDS, ended.c.answer.isnot(None))
                .values(answer=None)
            )
            rows = [{"sender_id": sender_id, "message_id": mid, "ended_at": now, "answer": None} for mid in message_ids]
            if rows and final_answer is not None:
                rows[-1]["answer"] = json.dumps(final_answer)
            if rows:
                session.execute(ended.insert(), rows)
            session.commit()
        log.info("conversation deleted from the tracker store: %d events", deleted)

    def ended_with(self, sender_id: str, message_id: str) -> Optional[list[dict[str, Any]]]:
        """None when `message_id` was no message of a conversation of `sender_id` deleted at its
        end; else the answer kept for it (bot events as dicts), [] when none is kept."""
        ended = EndedMessage.__table__
        query = sa.select([ended.c.answer, ended.c.ended_at]).where(
            ended.c.sender_id == sender_id, ended.c.message_id == message_id
        )
        with self.engine.connect() as connection:
            row = connection.execute(query.limit(1)).first()
        if row is None:
            return None
        if row.answer is None or row.ended_at < time.time() - FINAL_ANSWER_KEPT_SECONDS:
            return []
        return json.loads(row.answer)

    def ping(self) -> None:
        """Raises when the database does not answer (Rasa's readiness check)."""
        with self.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))

    def encrypt_clear_rows(self, batch: int = 500) -> None:
        """Rewrites rows an older version stored in clear (and any intent names it kept)."""
        table = self.SQLEvent.__table__
        stored = sa.type_coerce(table.c.data, Text)  # compare what is stored, not a decrypted value
        clear = sa.or_(~stored.like(f"{ENCRYPTED_PREFIX}%"), table.c.intent_name.isnot(None))
        rewritten = 0
        with self.engine.begin() as connection:
            while True:
                rows = connection.execute(sa.select([table.c.id, table.c.data]).where(clear).limit(batch)).fetchall()
                for row_id, data in rows:
                    connection.execute(table.update().where(table.c.id == row_id).values(data=data, intent_name=None))
                rewritten += len(rows)
                if len(rows) < batch:
                    break
        if rewritten:
            log.info("encrypted %d tracker events stored in clear by an earlier version", rewritten)


def _message_ids(tracker: DialogueStateTracker) -> list[str]:
    return [event.message_id for event in tracker.events if event.type_name == "user" and event.message_id]


def _last_answer(tracker: DialogueStateTracker) -> list[dict[str, Any]]:
    """The bot's messages since the patient's last message: the answer that ended the conversation."""
    answer = []
    for event in reversed(tracker.events):
        if event.type_name == "user":
            break
        if event.type_name == "bot":
            answer.append(event.as_dict())
    return answer[::-1]


def _row(sender_id: str, event: Any) -> dict[str, Any]:
    """An event as Rasa's save writes it (the intent name is withheld by its column type anyway)."""
    data = event.as_dict()
    return {
        "sender_id": sender_id,
        "type_name": event.type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": None,
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()
