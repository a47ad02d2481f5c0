"""The few answers the bridge gives itself, without asking Rasa (plain text, escaped on sending)."""

from __future__ import annotations

from bot.clinic import Clinic

ONLY_TEXT = "Sorry, I can only read text messages. Please type your question or answer, or use the buttons."
ALREADY_ANSWERED = "You have already answered this one."
BUTTON_EXPIRED = "This button has expired. Please type your answer instead."
UNKNOWN_COMMAND = "I don't know that command. Send /help to see what I can do."
CANCELLED = "Okay, I have stopped. Send /start whenever you want to begin again."
COMMANDS = (
    "/start greets you again\n"
    "/cancel stops what we are doing (a consultation request in progress is not sent)\n"
    "/help shows this help"
)


def trouble(clinic: Clinic) -> str:
    """Said when Rasa or the action server does not answer; names the ways to reach a person."""
    return (
        "I'm having trouble right now, please try again in a minute. "
        f"You can also call {clinic.name} on {clinic.phone}. "
        f"If this is an emergency, call {clinic.emergency_number} now."
    )


def help_text(clinic: Clinic) -> str:
    return (
        f"I'm the assistant of {clinic.name}. Ask me about microneedling: what it is, how it feels, "
        "downtime and aftercare, prices and opening hours. I can also take a consultation request "
        "for you; a member of our team then gets in touch.\n\n"
        f"To speak to someone, call {clinic.phone}. "
        f"In an emergency, call {clinic.emergency_number}."
    )
