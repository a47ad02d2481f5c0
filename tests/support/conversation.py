"""Drives a whole intake through the REST channel by reading what the bot asks, as a patient would,
in English or in Spanish (the patient's `language`; a switch mid-intake is followed by the text)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.screening.rules import load_rules
from bot.settings import get_settings

RULES = load_rules(get_settings().screening_rules)

# How each question opens, per language: the Patient field that answers it, and the words that
# tell it apart. The summary comes first because it repeats the other questions' labels.
QUESTIONS = {
    "en": [
        ("review", "Here is what I'll send"),
        ("consent", "Do you agree"),
        ("name", "full name"),
        ("birth", "date of birth"),
        ("phone", "phone number can the clinic"),
        ("email", "email address?"),
        ("contact", "How would you like the clinic to contact you"),
        ("concerns", "What would you like to improve"),
        ("preferred_time", "Which days or times"),
        ("health_notes", "anything else about your health"),
    ],
    "es": [
        ("review", "Esto es lo que enviaré"),
        ("consent", "¿Acepta compartir"),
        ("name", "nombre completo"),
        ("birth", "su fecha de nacimiento"),
        ("phone", "número de teléfono puede localizarle"),
        ("email", "su correo electrónico?"),
        ("contact", "¿Cómo prefiere que la clínica"),
        ("concerns", "¿Qué le gustaría mejorar"),
        ("preferred_time", "¿Qué días u horas"),
        ("health_notes", "algo más sobre su salud"),
    ],
}
# What the bot says when the intake is over, stored or not.
ENDINGS = {
    "en": ("Your reference is", "nothing has been stored"),
    "es": ("Su referencia es", "no se ha guardado nada"),
}
# The follow-up answer when a test gives none, per language.
LONG_AGO = {"en": "more than a year ago", "es": "hace más de un año"}


@dataclass
class Patient:
    consent: str = "yes"
    name: str = "Jane Smith"
    birth: str = "14/03/1985"
    phone: str = "07911 123456"
    email: str = "jane.smith@example.com"
    contact: str = "Phone call"
    concerns: str = "acne scars on my cheeks"
    preferred_time: str = "weekday evenings"
    screening: dict[str, str] = field(default_factory=dict)  # rule id -> answer; others "no"
    none_of_these: str = "None of these"  # the reply to a group none of whose items apply
    group_replies: dict[str, str] = field(default_factory=dict)  # group id -> the reply in own words
    follow_ups: dict[str, str] = field(default_factory=dict)  # rule id -> follow-up answer
    health_notes: str = "no"
    review: list[str] = field(default_factory=lambda: ["confirm"])  # answers to the summary, in turn


def spanish_patient(**changes) -> Patient:
    """A patient who answers in Spanish, as a Spanish speaker writes."""
    answers = {
        "consent": "sí",
        "name": "María José Núñez",
        "birth": "14 de marzo de 1985",
        "contact": "Llamada telefónica",
        "email": "mj.nunez@example.com",
        "concerns": "cicatrices de acné en las mejillas",
        "preferred_time": "entre semana por la tarde",
        "none_of_these": "Ninguna de estas",
        "review": ["confirmar"],
    }
    return Patient(**{**answers, **changes})


def _said_in(language: str) -> list[str]:
    """Words only the bot's questions and endings in `language` contain."""
    rules = RULES.in_language(language)
    return [
        *(opening for _, opening in QUESTIONS[language]),
        *ENDINGS[language],
        *(rule.question for rule in rules),
        *(rule.follow_up.question for rule in rules if rule.follow_up),
        *(group.question for group in rules.groups),
    ]


SAID_IN_SPANISH = [words.lower() for words in _said_in("es")]


def language_of_text(text: str) -> str:
    """Which language the bot's question is in, by the questions and endings it knows."""
    return "es" if any(words in text.lower() for words in SAID_IN_SPANISH) else "en"


def reply_for(patient: Patient, bot_text: str) -> str | None:
    """The patient's answer to the bot's last question, or None when the intake is over."""
    text = bot_text
    language = language_of_text(text)
    if any(ending.lower() in text.lower() for ending in ENDINGS[language]):
        return None
    for attribute, opening in QUESTIONS[language]:
        if opening in text:
            if attribute == "review":
                return patient.review.pop(0) if patient.review else "confirm"
            return getattr(patient, attribute)
    rules = RULES.in_language(language)
    for group in rules.groups:
        if f": {group.title}.\n{group.question}\n" in text:
            return group_reply(patient, group)
    for rule in rules:
        if rule.follow_up and rule.follow_up.question in text:
            return patient.follow_ups.get(rule.id, LONG_AGO[language])
        if f": {rule.question}" in text:
            return patient.screening.get(rule.id, "no")
    raise AssertionError(f"the test patient does not know how to answer: {text!r}")


def group_reply(patient: Patient, group) -> str:
    """A group's list: "None of these", the numbers of the items that are a plain yes, or "not sure"
    to be asked the items one at a time, where each gets the patient's own words."""
    if group.id in patient.group_replies:
        return patient.group_replies[group.id]
    said = {rule.id: patient.screening[rule.id] for rule in group.rules if patient.screening.get(rule.id, "no") != "no"}
    if not said:
        return patient.none_of_these
    spanish = group.question.lower() in SAID_IN_SPANISH
    if set(said.values()) == {"yes"}:
        numbers = [str(number) for number, rule in enumerate(group.rules, 1) if rule.id in said]
        return (" y " if spanish else " and ").join(numbers)
    return "no estoy segura" if spanish else "not sure"


def run_intake(
    send: Callable[[str], list[dict]],
    patient: Patient,
    opening: str = "I'd like to book a consultation",
    max_turns: int = 80,
) -> list[str]:
    """Sends the opening and answers every question; returns everything the bot said."""
    transcript: list[str] = []
    messages = send(opening)
    for _ in range(max_turns):
        texts = [m.get("text", "") for m in messages if m.get("text")]
        transcript += texts
        assert texts, "the bot stopped answering in the middle of the intake"
        answer = reply_for(patient, texts[-1])
        if answer is None:
            return transcript
        messages = send(answer)
    raise AssertionError("the intake did not finish")
