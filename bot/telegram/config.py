"""The bridge's settings, read once from the environment and checked before anything starts."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

DEFAULT_BASE_URL = "https://api.telegram.org/bot"
# Telegram accepts 1-256 characters from this set as a webhook secret token.
_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")

NOT_CONFIGURED = (
    "The Telegram bridge is not started: TELEGRAM_BOT_TOKEN is not set "
    "(create a bot with @BotFather and put its token in TELEGRAM_BOT_TOKEN)."
)


class TelegramConfigError(ValueError):
    """A Telegram setting is missing or wrong; the message says which and how to fix it."""


@dataclass(frozen=True)
class TelegramConfig:
    token: str
    base_url: str = DEFAULT_BASE_URL
    rasa_url: str = "http://localhost:5005"
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    staff_chat_id: str | None = None
    dashboard_url: str = "http://localhost:8001"

    @property
    def uses_webhook(self) -> bool:
        return self.webhook_url is not None

    @property
    def webhook_path(self) -> str:
        """The path part of the public webhook URL; the local listener serves the same path."""
        return urlsplit(self.webhook_url or "").path.strip("/")


def _get(environ: Mapping[str, str], name: str) -> str | None:
    value = environ.get(name, "").strip()
    return value or None


def bridge_enabled(environ: Mapping[str, str] | None = None) -> bool:
    """Whether a bot token is configured, i.e. whether `make run` should start the bridge."""
    return _get(os.environ if environ is None else environ, "TELEGRAM_BOT_TOKEN") is not None


def load_config(environ: Mapping[str, str] | None = None) -> TelegramConfig:
    env = os.environ if environ is None else environ
    token = _get(env, "TELEGRAM_BOT_TOKEN")
    if token is None:
        raise TelegramConfigError(NOT_CONFIGURED)

    webhook_url = _get(env, "TELEGRAM_WEBHOOK_URL")
    secret = _get(env, "TELEGRAM_WEBHOOK_SECRET")
    if webhook_url is not None:
        if urlsplit(webhook_url).scheme not in ("https", "http") or not urlsplit(webhook_url).netloc:
            raise TelegramConfigError(
                f"TELEGRAM_WEBHOOK_URL must be a full URL such as https://clinic.example/telegram, got {webhook_url!r}."
            )
        if secret is None:
            raise TelegramConfigError(
                "Webhook mode needs TELEGRAM_WEBHOOK_SECRET, so that only Telegram can post updates "
                "to the bridge; set it to a random string of letters, digits, '_' or '-'."
            )
        if not _SECRET_TOKEN.match(secret):
            raise TelegramConfigError(
                "TELEGRAM_WEBHOOK_SECRET may only contain letters, digits, '_' and '-' "
                "(1 to 256 characters), as Telegram requires."
            )

    port_text = _get(env, "TELEGRAM_WEBHOOK_PORT") or "8443"
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise TelegramConfigError(f"TELEGRAM_WEBHOOK_PORT must be a port number, got {port_text!r}.")

    staff_chat_id = _get(env, "TELEGRAM_STAFF_CHAT_ID")
    if staff_chat_id is not None and not re.fullmatch(r"-?\d+|@\w+", staff_chat_id):
        raise TelegramConfigError(
            "TELEGRAM_STAFF_CHAT_ID must be a numeric chat id (groups start with -100) or a @channelname."
        )

    return TelegramConfig(
        token=token,
        base_url=_get(env, "TELEGRAM_BASE_URL") or DEFAULT_BASE_URL,
        rasa_url=_get(env, "RASA_URL") or "http://localhost:5005",
        webhook_url=webhook_url,
        webhook_secret=secret,
        webhook_listen=_get(env, "TELEGRAM_WEBHOOK_LISTEN") or "127.0.0.1",
        webhook_port=int(port_text),
        staff_chat_id=staff_chat_id,
        dashboard_url=_get(env, "DASHBOARD_URL") or "http://localhost:8001",
    )
