"""Settings read once from environment variables, with safe local defaults.

Everything secret or deployment-specific comes from the environment; nothing here is a secret
(the shared secrets below are read from it, and kept out of `repr` so they never reach a log).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from bot.app_secret import app_secret

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", PROJECT_ROOT / "var"))


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def _env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in _env(name, default).split(",") if item.strip()]


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=lambda: _env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'intake.db'}"))
    tracker_store_url: str = field(
        default_factory=lambda: _env("TRACKER_STORE_URL", f"sqlite:///{VAR_DIR / 'rasa_tracker.db'}")
    )
    rasa_url: str = field(default_factory=lambda: _env("RASA_URL", "http://localhost:5005"))
    # Where Rasa and the action server listen. Loopback: only this machine's own parts reach them;
    # in a container network set 0.0.0.0 (each container then still needs the shared secrets).
    bind_host: str = field(default_factory=lambda: _env("BIND_HOST", "127.0.0.1"))
    # bot/shared_secrets.py says who sends which; `make run` generates them into var/ when unset.
    rasa_channel_secret: str = field(default_factory=lambda: _env("RASA_CHANNEL_SECRET", ""), repr=False)
    action_server_secret: str = field(default_factory=lambda: _env("ACTION_SERVER_SECRET", ""), repr=False)
    clinic_config: Path = field(
        default_factory=lambda: Path(_env("CLINIC_CONFIG", str(PROJECT_ROOT / "clinic" / "clinic.yml")))
    )
    screening_rules: Path = field(
        default_factory=lambda: Path(_env("SCREENING_RULES", str(PROJECT_ROOT / "clinic" / "screening.yml")))
    )
    web_host: str = field(default_factory=lambda: _env("WEB_HOST", "127.0.0.1"))
    web_port: int = field(default_factory=lambda: int(_env("WEB_PORT", "8000")))
    site_origins: list[str] = field(
        default_factory=lambda: _env_list("SITE_ORIGINS", "http://localhost:8000,http://127.0.0.1:8000")
    )
    dashboard_host: str = field(default_factory=lambda: _env("DASHBOARD_HOST", "127.0.0.1"))
    dashboard_port: int = field(default_factory=lambda: int(_env("DASHBOARD_PORT", "8001")))
    dashboard_url: str = field(default_factory=lambda: _env("DASHBOARD_URL", "http://localhost:8001"))
    # Signs the widget's session tokens and keys the hashes in rate-limit keys (bot/app_secret.py).
    app_secret_key: str = field(default_factory=lambda: _env("APP_SECRET_KEY", ""))
    # Abuse limits (bot/limits.py): shared by every process through Redis when this is set (give
    # it its own database number, e.g. redis://localhost:6379/2), otherwise per process in memory.
    limits_redis_url: str = field(default_factory=lambda: _env("LIMITS_REDIS_URL", ""))
    # How many reverse proxies in front of bot.web append to X-Forwarded-For; 0 ignores the
    # header, which anyone can send.
    web_trusted_proxy_hops: int = field(default_factory=lambda: int(_env("WEB_TRUSTED_PROXY_HOPS", "0")))
    chat_per_conversation_per_minute: int = field(
        default_factory=lambda: int(_env("CHAT_LIMIT_PER_CONVERSATION", "30"))
    )
    chat_per_client_per_minute: int = field(default_factory=lambda: int(_env("CHAT_LIMIT_PER_CLIENT", "120")))
    chat_sessions_per_client_per_hour: int = field(
        default_factory=lambda: int(_env("CHAT_SESSION_LIMIT_PER_CLIENT", "60"))
    )
    # Consultation and callback requests stored, together, by the action server.
    requests_per_conversation_per_hour: int = field(
        default_factory=lambda: int(_env("REQUEST_LIMIT_PER_CONVERSATION", "3"))
    )
    requests_per_client_per_hour: int = field(default_factory=lambda: int(_env("REQUEST_LIMIT_PER_CLIENT", "10")))

    def secret(self) -> bytes:
        """APP_SECRET_KEY, or the key generated into var/ (read or created on first use only)."""
        return app_secret(self.app_secret_key, VAR_DIR)


def get_settings() -> Settings:
    """Reads the environment now; callers keep the result rather than calling on every message."""
    return Settings()
