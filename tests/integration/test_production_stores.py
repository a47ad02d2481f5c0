"""The production configuration from the README: Rasa's tracker store in PostgreSQL and its lock
store in Redis, set only through environment variables read by endpoints.yml."""

from __future__ import annotations

import uuid

import redis
import sqlalchemy as sa

from bot.clinic import load_clinic
from bot.settings import get_settings
from tests.conftest import start_stack

CLINIC = load_clinic(get_settings().clinic_config)
LOCK_DB = 14


def test_rasa_runs_on_a_postgresql_tracker_store_and_a_redis_lock_store(tmp_path, postgres_url, redis_url):
    database = f"rasa_tracker_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{database}"'))
    tracker_url = sa.engine.make_url(postgres_url).set(drivername="postgresql", database=database)
    lock_store = redis.Redis(host="127.0.0.1", port=6379, db=LOCK_DB)
    stack = start_stack(
        tmp_path,
        f"sqlite:///{tmp_path / 'intake.db'}",
        tracker_store_url=tracker_url.render_as_string(hide_password=False),
        rasa_env={
            "LOCK_STORE_TYPE": "redis",
            "REDIS_HOST": "127.0.0.1",
            "REDIS_PORT": "6379",
            "REDIS_DB": str(LOCK_DB),
            "REDIS_PASSWORD": "",
        },
    )
    try:
        sender = f"prod-{uuid.uuid4().hex[:8]}"
        assert CLINIC.name in stack.texts(sender, "hello")[0]
        assert any(CLINIC.prices[1].price in text for text in stack.texts(sender, "how much is it?"))

        tracker_db = sa.create_engine(tracker_url.set(drivername="postgresql+psycopg"))
        with tracker_db.connect() as connection:
            stored = connection.execute(
                sa.text("SELECT count(*) FROM events WHERE sender_id = :sender AND type_name = 'user'"),
                {"sender": sender},
            ).scalar()
        tracker_db.dispose()
        assert stored == 2, "both messages are in the PostgreSQL tracker store"

        clients = lock_store.client_list()
        assert any(int(client["db"]) == LOCK_DB for client in clients), "Rasa holds a connection to the lock store"
    finally:
        stack.stop()
        lock_store.close()
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()
