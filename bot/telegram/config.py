"""The bridge's settings, read once from the environment and checked before anything starts."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bot.settings import Settings, SettingsError, get_settings
from bot.telegram.webhook import LIVENESS_PATH, READINESS_PATH

DEFAULT_BASE_URL = Settings.model_fields["telegram_base_url"].default
# Telegram accepts 1-256 characters from this set as a webhook secret token.
_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
# Where staff notices go (bot/telegram/staff_notice.py): a chat id, or a public channel's name.
STAFF_CHAT_ID = re.compile(r"-?\d+|@\w+")

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
    # RASA_CHANNEL_SECRET: what Rasa asks of our bridges, and the key of conversation references.
    channel_secret: str = field(default="", repr=False)

    @property
    def uses_webhook(self) -> bool:
        return self.webhook_url is not None

    @property
    def webhook_path(self) -> str:
        """The path part of the public webhook URL; the local listener serves the same path."""
        return urlsplit(self.webhook_url or "").path.strip("/")


def _settings(environ: Mapping[str, str] | None) -> Settings:
    try:
        return get_settings() if environ is None else Settings.from_environ(environ)
    except SettingsError as error:
        raise TelegramConfigError(str(error)) from None


def bridge_enabled(environ: Mapping[str, str] | None = None) -> bool:
    """Whether a bot token is configured, i.e. whether `make run` should start the bridge."""
    return bool(_settings(environ).telegram_bot_token)


def load_config(environ: Mapping[str, str] | None = None) -> TelegramConfig:
    """The bridge's settings (bot/settings.py), checked further for what Telegram itself requires."""
    settings = _settings(environ)
    if not settings.telegram_bot_token:
        raise TelegramConfigError(NOT_CONFIGURED)

    webhook_url = settings.telegram_webhook_url or None
    secret = settings.telegram_webhook_secret or None
    if webhook_url is not None:
        if urlsplit(webhook_url).scheme not in ("https", "http") or not urlsplit(webhook_url).netloc:
            raise TelegramConfigError(
                f"TELEGRAM_WEBHOOK_URL must be a full URL such as https://clinic.example/telegram, got {webhook_url!r}."
            )
        if "/" + urlsplit(webhook_url).path.strip("/") in (LIVENESS_PATH, READINESS_PATH):
            raise TelegramConfigError(
                f"TELEGRAM_WEBHOOK_URL's path may not be {LIVENESS_PATH} or {READINESS_PATH}: the webhook "
                "listener answers health checks there. Use another path, such as /telegram/updates."
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

    if settings.telegram_staff_chat_id and not STAFF_CHAT_ID.fullmatch(settings.telegram_staff_chat_id):
        raise TelegramConfigError(
            "TELEGRAM_STAFF_CHAT_ID must be a numeric chat id (groups start with -100) or a @channelname."
        )

    return TelegramConfig(
        token=settings.telegram_bot_token,
        base_url=settings.telegram_base_url,
        rasa_url=settings.rasa_url,
        webhook_url=webhook_url,
        webhook_secret=secret,
        webhook_listen=settings.telegram_webhook_listen,
        webhook_port=settings.telegram_webhook_port,
        channel_secret=settings.rasa_channel_secret,
    )
