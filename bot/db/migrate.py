"""Brings a database to the newest schema, from code (start-up of each part, tests).

Builds the Alembic configuration in code with an absolute script location, so it works from
any working directory and without reading alembic.ini.
"""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from bot.settings import PROJECT_ROOT

MIGRATIONS_DIR = PROJECT_ROOT / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Passed as an attribute, not an ini option, so a password with "%" needs no escaping.
    config.attributes["database_url"] = url
    return config


def upgrade_to_head(url: str) -> None:
    command.upgrade(alembic_config(url), "head")


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("")).get_current_head()


def main() -> int:
    """`python -m bot.db.migrate`: the deployments' one-off step before the action servers and the
    dashboards start (several replicas must not all migrate at once)."""
    from bot.settings import settings_for_startup

    upgrade_to_head(settings_for_startup("database migration").database_url)
    print("The intake database is at the newest schema.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
