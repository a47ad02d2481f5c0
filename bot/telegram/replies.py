"""The few answers the bridge gives itself, without asking Rasa (plain text, escaped on sending).
Their words are responses in domain.yml, as every text of ours (bot/responses.py)."""

from __future__ import annotations

from bot.clinic import Clinic
from bot.responses import own_text

ONLY_TEXT = own_text("utter_telegram_only_text")
ALREADY_ANSWERED = own_text("utter_telegram_already_answered")
BUTTON_EXPIRED = own_text("utter_telegram_button_expired")
UNKNOWN_COMMAND = own_text("utter_telegram_unknown_command")
CANCELLED = own_text("utter_telegram_cancelled")
COMMANDS = own_text("utter_telegram_commands")


def _about(clinic: Clinic) -> dict[str, str]:
    return {"clinic_name": clinic.name, "clinic_phone": clinic.phone, "emergency_number": clinic.emergency_number}


def trouble(clinic: Clinic) -> str:
    """Said when Rasa or the action server does not answer; names the ways to reach a person."""
    return own_text("utter_telegram_trouble", **_about(clinic))


def help_text(clinic: Clinic) -> str:
    return own_text("utter_telegram_help", **_about(clinic))
