"""The few answers the bridge gives itself, without asking Rasa (plain text, escaped on sending),
in the language of the message they answer (bot/language.py). Their words are responses in
domain.yml, as every text of ours (bot/responses.py)."""

from __future__ import annotations

from typing import Any

from bot.clinic import Clinic
from bot.responses import own_text

ONLY_TEXT = "utter_telegram_only_text"
ALREADY_ANSWERED = "utter_telegram_already_answered"
BUTTON_EXPIRED = "utter_telegram_button_expired"
UNKNOWN_COMMAND = "utter_telegram_unknown_command"
CANCELLED = "utter_telegram_cancelled"
COMMANDS = "utter_telegram_commands"
YOU_CHOSE = "utter_telegram_you_chose"


def say(response: str, language: str = "en", **values: Any) -> str:
    """One of the replies above in `language`, filled with `values`."""
    return own_text(response, language=language, **values)


def _about(clinic: Clinic, language: str) -> dict[str, str]:
    clinic = clinic.in_language(language)
    return {"clinic_name": clinic.name, "clinic_phone": clinic.phone, "emergency_number": clinic.emergency_number}


def trouble(clinic: Clinic, language: str = "en") -> str:
    """Said when Rasa or the action server does not answer; names the ways to reach a person."""
    return own_text("utter_telegram_trouble", language=language, **_about(clinic, language))


def help_text(clinic: Clinic, language: str = "en") -> str:
    return own_text("utter_telegram_help", language=language, **_about(clinic, language))
