"""Alembic environment: which database, and the one metadata every model registers on.

The URL is, in order: the one given by code (`bot.db.migrate.upgrade_to_head(url)`), then
DATABASE_URL, then bot.settings' default (a SQLite file under var/).
"""

from __future__ import annotations

import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import text

from bot.db.base import Base, engine_for

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

# Importing the models registers their tables on Base.metadata (for autogenerate).
import bot.db.models  # noqa: E402,F401

try:  # the dashboard's tables, when that package is present
    import bot.dashboard.models  # noqa: E402,F401
except ImportError:
    pass

target_metadata = Base.metadata
# Any fixed number: PostgreSQL advisory lock so two processes starting together migrate one at a time.
_MIGRATION_LOCK_KEY = 4_201_700_001


def _database_url() -> str:
    url = config.attributes.get("database_url") or os.environ.get("DATABASE_URL", "").strip()
    if url:
        return url
    from bot.settings import get_settings

    return get_settings().database_url


def run_migrations_offline() -> None:
    context.configure(
        url=_database_url(), target_metadata=target_metadata, literal_binds=True, dialect_opts={"paramstyle": "named"}
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = engine_for(_database_url())
    with engine.connect() as connection:
        is_sqlite = connection.dialect.name == "sqlite"
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=is_sqlite, compare_type=True
        )
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
