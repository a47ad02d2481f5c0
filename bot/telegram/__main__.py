"""`python -m bot.telegram`: runs the Telegram bridge until stopped."""

from __future__ import annotations

import logging
import sys

from bot.app_secret import AppSecretError
from bot.clinic import ClinicConfigError, load_clinic
from bot.log_privacy import start_logging
from bot.private_files import restrict_new_files
from bot.settings import settings_for_startup
from bot.shared_state import configured_state
from bot.telegram.bridge import TelegramBridge
from bot.telegram.config import NOT_CONFIGURED, TelegramConfigError, bridge_enabled, load_config


def main() -> int:
    restrict_new_files()
    start_logging()
    # httpx logs every request URL at INFO, and Bot API URLs contain the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    settings = settings_for_startup("Telegram bridge")
    if not bridge_enabled():
        print(NOT_CONFIGURED, file=sys.stderr)
        return 0
    try:
        config = load_config()
        clinic = load_clinic(settings.clinic_config)
        state = configured_state(settings)  # keyed with APP_SECRET_KEY, which every replica shares
    except (TelegramConfigError, ClinicConfigError, AppSecretError) as error:
        print(f"Telegram bridge not started: {error}", file=sys.stderr)
        return 2
    TelegramBridge(config, clinic, state=state).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
