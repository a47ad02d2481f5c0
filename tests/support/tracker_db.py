"""Reading Rasa's tracker store as an outsider would: raw rows and raw file bytes, no decryption."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from bot.privacy.conversations import app_side_url


def tracker_rows(tracker_store_url: str, sender_id: str) -> list[dict]:
    engine = sa.create_engine(app_side_url(tracker_store_url))
    try:
        with engine.connect() as connection:
            rows = (
                connection.execute(
                    sa.text("SELECT type_name, intent_name, action_name, data FROM events WHERE sender_id = :sender"),
                    {"sender": sender_id},
                )
                .mappings()
                .all()
            )
        return [dict(row) for row in rows]
    finally:
        engine.dispose()


def all_stored_text(tracker_store_url: str) -> str:
    """Everything the tracker store holds, as it is stored: the SQLite file's bytes (free pages
    included), or every column of every row on other databases."""
    url = sa.engine.make_url(tracker_store_url)
    if url.get_backend_name() == "sqlite":
        return Path(url.database).read_bytes().decode("utf-8", errors="replace")
    engine = sa.create_engine(app_side_url(tracker_store_url))
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.text("SELECT * FROM events")).all()
        return "\n".join(" ".join(str(value) for value in row) for row in rows)
    finally:
        engine.dispose()


def files_text(paths: list[Path]) -> str:
    return "\n".join(path.read_text(errors="replace") for path in paths if path.exists())


def make_tracker_db(path: Path, events: list[tuple[str, str, datetime]]) -> str:
    """A tracker store with Rasa's table and (sender, event type, time) rows, as Rasa would leave it."""
    url = f"sqlite:///{path}"
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, type_name VARCHAR(255) "
                "NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)"
            )
        )
        for sender, type_name, at in events:
            connection.execute(
                sa.text("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (:s, :t, :ts, 'fernet:x')"),
                {"s": sender, "t": type_name, "ts": at.timestamp()},
            )
    engine.dispose()
    return url


def senders_in(tracker_store_url: str) -> set[str]:
    engine = sa.create_engine(app_side_url(tracker_store_url))
    try:
        with engine.connect() as connection:
            return set(connection.execute(sa.text("SELECT DISTINCT sender_id FROM events")).scalars())
    finally:
        engine.dispose()
