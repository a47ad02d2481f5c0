"""Every setting of our own processes, read from environment variables with safe local defaults.

One home: `Settings` names each variable, its type and its default, and start-up fails with a
message that says which variable is wrong and why. The README's table lists them for operators.
Nothing here is a secret: the secrets are read from the environment and kept out of `repr`.

The one exception is the Rasa process (Python 3.10, pydantic 1, no pydantic-settings): Rasa reads
endpoints.yml and credentials.yml with `${VAR}` itself, and bot/privacy/tracker_store.py reads its
key settings (TRACKER_ENCRYPTION_KEY, TRACKER_KEY_FILE, VAR_DIR) with the standard library.
`bot.stack.rasa_environment` hands Rasa those variables from these settings.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.app_secret import app_secret

PROJECT_ROOT = Path(__file__).resolve().parent.parent


_GIVEN_ONLY: ContextVar[bool] = ContextVar("settings_from_given_mapping_only", default=False)


class SettingsError(ValueError):
    """An environment variable has a value we cannot use; the message names it and says why."""


def _env(name: str, **field_options):
    """A setting read from the environment variable `name` (tests may also pass the field name)."""
    return Field(validation_alias=name, **field_options)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_ignore_empty=True,  # an empty variable means "use the default", as in a shell
        str_strip_whitespace=True,
        frozen=True,
        extra="ignore",
        validate_by_name=True,
        validate_by_alias=True,
    )

    # Where local files go: SQLite databases, generated keys, logs.
    var_dir: Path = _env("VAR_DIR", default=PROJECT_ROOT / "var")
    database_url: str = _env("DATABASE_URL", default_factory=lambda s: f"sqlite:///{s['var_dir'] / 'intake.db'}")
    clinic_config: Path = _env("CLINIC_CONFIG", default=PROJECT_ROOT / "clinic" / "clinic.yml")
    screening_rules: Path = _env("SCREENING_RULES", default=PROJECT_ROOT / "clinic" / "screening.yml")

    # Rasa's side, passed to it by `rasa_environment`: its tracker store and lock store.
    tracker_store_url: str = _env(
        "TRACKER_STORE_URL", default_factory=lambda s: f"sqlite:///{s['var_dir'] / 'rasa_tracker.db'}"
    )
    lock_store_type: str = _env("LOCK_STORE_TYPE", default="in_memory")  # "redis" in production
    redis_host: str = _env("REDIS_HOST", default="localhost")
    redis_port: int = _env("REDIS_PORT", default=6379, gt=0, lt=65536)
    redis_db: int = _env("REDIS_DB", default=1, ge=0)
    redis_password: str = _env("REDIS_PASSWORD", default="", repr=False)

    # Where Rasa and the action server listen. Loopback: only this machine's own parts reach them;
    # in a container network set 0.0.0.0 (each container then still needs the shared secrets).
    bind_host: str = _env("BIND_HOST", default="127.0.0.1")
    rasa_port: int = _env("RASA_PORT", default=5005, gt=0, lt=65536)
    action_port: int = _env("ACTION_PORT", default=5055, gt=0, lt=65536)
    rasa_url: str = _env("RASA_URL", default="http://localhost:5005")  # how our parts reach Rasa
    action_endpoint_url: str = _env("ACTION_ENDPOINT_URL", default="")  # how Rasa reaches it; "" = local

    # bot/shared_secrets.py says who sends which; `make run` generates them into var/ when unset.
    rasa_channel_secret: str = _env("RASA_CHANNEL_SECRET", default="", repr=False)
    action_server_secret: str = _env("ACTION_SERVER_SECRET", default="", repr=False)
    # Signs the widget's session tokens and keys the hashes in rate-limit keys (bot/app_secret.py).
    app_secret_key: str = _env("APP_SECRET_KEY", default="", repr=False)

    # The widget relay (bot/web).
    web_host: str = _env("WEB_HOST", default="127.0.0.1")
    web_port: int = _env("WEB_PORT", default=8000, gt=0, lt=65536)
    site_origins: Annotated[list[str], NoDecode] = _env(
        "SITE_ORIGINS", default=["http://localhost:8000", "http://127.0.0.1:8000"]
    )
    # How many reverse proxies in front of bot.web append to X-Forwarded-For; 0 ignores the
    # header, which anyone can send.
    web_trusted_proxy_hops: int = _env("WEB_TRUSTED_PROXY_HOPS", default=0, ge=0)

    # The staff dashboard (bot/dashboard).
    dashboard_host: str = _env("DASHBOARD_HOST", default="127.0.0.1")
    dashboard_port: int = _env("DASHBOARD_PORT", default=8001, gt=0, lt=65536)
    dashboard_url: str = _env("DASHBOARD_URL", default="http://localhost:8001")  # in staff notices
    dashboard_secret_key: str = _env("DASHBOARD_SECRET_KEY", default="", repr=False)
    dashboard_plain_http: bool = _env("DASHBOARD_PLAIN_HTTP", default=False)  # no Secure cookie, no HSTS
    dashboard_require_admin_2fa: bool = _env("DASHBOARD_REQUIRE_ADMIN_2FA", default=False)
    dashboard_timezone: str = _env("DASHBOARD_TIMEZONE", default="UTC")
    # As for the relay: the proxies in front of the dashboard that append to X-Forwarded-For, so
    # that sign-in limits count per staff member's address, not per load balancer.
    dashboard_trusted_proxy_hops: int = _env("DASHBOARD_TRUSTED_PROXY_HOPS", default=0, ge=0)
    dashboard_dev: str = _env("DASHBOARD_DEV", default="")  # no longer read; refused with a hint

    # The Telegram bridge (bot/telegram/config.py checks these further).
    telegram_bot_token: str = _env("TELEGRAM_BOT_TOKEN", default="", repr=False)
    telegram_base_url: str = _env("TELEGRAM_BASE_URL", default="https://api.telegram.org/bot")
    telegram_webhook_url: str = _env("TELEGRAM_WEBHOOK_URL", default="")
    telegram_webhook_secret: str = _env("TELEGRAM_WEBHOOK_SECRET", default="", repr=False)
    telegram_webhook_listen: str = _env("TELEGRAM_WEBHOOK_LISTEN", default="127.0.0.1")
    telegram_webhook_port: int = _env("TELEGRAM_WEBHOOK_PORT", default=8443, gt=0, lt=65536)
    telegram_staff_chat_id: str = _env("TELEGRAM_STAFF_CHAT_ID", default="")

    # Cross-request state of our own processes (bot/shared_state.py: the relay's and the Telegram
    # bridge's dedupe, chat order and button data; bot/limits.py: rate and sign-in limits): shared
    # by every replica through Redis when this is set (give it its own database number, e.g.
    # redis://localhost:6379/2), otherwise per process in memory.
    state_redis_url: str = _env("STATE_REDIS_URL", default="")
    chat_per_conversation_per_minute: int = _env("CHAT_LIMIT_PER_CONVERSATION", default=30, gt=0)
    chat_per_client_per_minute: int = _env("CHAT_LIMIT_PER_CLIENT", default=120, gt=0)
    chat_sessions_per_client_per_hour: int = _env("CHAT_SESSION_LIMIT_PER_CLIENT", default=60, gt=0)
    # Consultation and callback requests stored, together, by the action server.
    requests_per_conversation_per_hour: int = _env("REQUEST_LIMIT_PER_CONVERSATION", default=3, gt=0)
    requests_per_client_per_hour: int = _env("REQUEST_LIMIT_PER_CLIENT", default=10, gt=0)

    @field_validator("site_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value):
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("dashboard_timezone")
    @classmethod
    def _known_time_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("is not a known time zone (e.g. Europe/London)") from None
        return name

    def timezone(self) -> ZoneInfo:
        """The time zone staff read times in (stored times are UTC)."""
        return ZoneInfo(self.dashboard_timezone)

    @classmethod
    def settings_customise_sources(
        cls, settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings
    ):
        """Arguments, then the environment; no .env or secrets files (a deployment sets variables).
        `from_environ` reads its mapping alone."""
        return (init_settings,) if _GIVEN_ONLY.get() else (init_settings, env_settings)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Settings:
        """The settings as `environ` would give them, ignoring this process's own environment."""
        given = {name: value for name, value in environ.items() if value.strip()}
        reset = _GIVEN_ONLY.set(True)
        try:
            return cls(**given)
        except ValidationError as error:
            raise SettingsError(_explain(error)) from None
        finally:
            _GIVEN_ONLY.reset(reset)

    def secret(self) -> bytes:
        """APP_SECRET_KEY, or the key generated into var/ (read or created on first use only)."""
        return app_secret(self.app_secret_key, self.var_dir)


_PROBLEMS = {
    "int_parsing": "must be a whole number",
    "bool_parsing": "must be 1 (on) or 0 (off)",
    "greater_than": "is too small",
    "greater_than_equal": "is too small",
    "less_than": "is too large",
}


def _explain(error: ValidationError) -> str:
    """One line per wrong variable, naming it; a secret's value is never repeated."""
    lines = []
    by_variable = {info.validation_alias: (name, info) for name, info in Settings.model_fields.items()}
    for problem in error.errors():
        given = str(problem["loc"][0])  # the variable's name, or the field's when passed by name
        field_name, info = by_variable.get(given) or (given, Settings.model_fields.get(given))
        name = info.validation_alias if info is not None else given
        shown = "" if info is not None and not info.repr else f" (got {problem.get('input')!r})"
        if field_name.endswith("_port"):
            why = "must be a port number (1 to 65535)"
        else:
            why = _PROBLEMS.get(problem["type"], problem["msg"].removeprefix("Value error, "))
        lines.append(f"{name} {why}{shown}.")
    return "\n".join(lines)


def settings_for_startup(part: str) -> Settings:
    """The settings for a process's `main`: a wrong variable stops it with one clear sentence
    (exit code 2, as for any configuration mistake) instead of a traceback."""
    try:
        return get_settings()
    except SettingsError as error:
        print(f"The {part} is not started: {error}", file=sys.stderr)
        raise SystemExit(2) from None


def get_settings() -> Settings:
    """Reads the environment now; callers keep the result rather than calling on every message."""
    try:
        return Settings()
    except ValidationError as error:
        raise SettingsError(_explain(error)) from None
