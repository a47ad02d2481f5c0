"""Rasa's tracker store seen from our own processes: deleting a conversation (dashboard erasure) and
finding the ones whose purpose is over (the purge). Only the clear columns are read (sender id,
event type, action name, time); event contents stay encrypted and are never decrypted here.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from bot.db.base import engine_for

# Rasa's table, as bot/privacy/tracker_store.py (and Rasa) define it; only what we query.
events = sa.Table(
    "events",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255)),
    sa.Column("type_name", sa.String(255)),
    sa.Column("timestamp", sa.Float),
    sa.Column("action_name", sa.String(255)),
)


def app_side_url(tracker_store_url: str) -> str:
    """Rasa's URL with the PostgreSQL driver this environment has (psycopg 3, not Rasa's psycopg2)."""
    url = make_url(tracker_store_url)
    if url.get_backend_name() == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


def _has_events_table(engine: sa.Engine) -> bool:
    return sa.inspect(engine).has_table("events")  # Rasa creates it when it first starts


def _deleted(engine: sa.Engine, statement) -> int:
    with engine.begin() as connection:
        return connection.execute(statement).rowcount


def delete_conversation(tracker_store_url: str, sender_id: str) -> int:
    """Deletes every event of one conversation; returns how many there were."""
    engine = engine_for(app_side_url(tracker_store_url))
    if not _has_events_table(engine):
        return 0
    return _deleted(engine, sa.delete(events).where(events.c.sender_id == sender_id))


def conversations_to_purge(
    tracker_store_url: str, idle_before: datetime, unfinished_form_idle_before: datetime
) -> list[str]:
    """Conversations idle since before `idle_before`, and those where a form was started and not
    finished (a finished form deletes its conversation at once) idle since `unfinished_form_idle_before`."""
    engine = engine_for(app_side_url(tracker_store_url))
    if not _has_events_table(engine):
        return []
    last_activity = sa.func.max(events.c.timestamp)
    started_a_form = sa.func.max(sa.case((events.c.type_name == "active_loop", 1), else_=0)) == 1
    query = (
        sa.select(events.c.sender_id)
        .group_by(events.c.sender_id)
        .having(
            sa.or_(
                last_activity < idle_before.timestamp(),
                sa.and_(started_a_form, last_activity < unfinished_form_idle_before.timestamp()),
            )
        )
    )
    with engine.connect() as connection:
        return list(connection.execute(query).scalars())


def delete_events_before(tracker_store_url: str, before: datetime) -> int:
    """Deletes the events older than `before` of conversations that are still going on (a Telegram
    chat keeps one conversation for ever): those are earlier sessions, long expired (Rasa's session
    expires after two hours), so the current one loses nothing. Returns how many."""
    engine = engine_for(app_side_url(tracker_store_url))
    if not _has_events_table(engine):
        return 0
    return _deleted(engine, sa.delete(events).where(events.c.timestamp < before.timestamp()))
