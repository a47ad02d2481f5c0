"""The real bridge talking to the real trained assistant (Rasa + action server from `rasa_stack`),
with the Bot API stand-in playing Telegram: greeting, FAQ, buttons, red flags, two chats at once,
Rasa going down and coming back, and a whole intake that ends up in `make export`."""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
from dataclasses import dataclass

import pytest
import yaml

from bot.clinic import load_clinic
from bot.settings import get_settings
from tests.fakes.telegram_api import TelegramApiStandIn
from tests.fakes.telegram_bridge_process import PROJECT_ROOT, running_bridge

pytestmark = pytest.mark.timeout(600)

CLINIC = load_clinic(get_settings().clinic_config)
TROUBLE = "I'm having trouble right now"
_chat_ids = itertools.count(9001)


@pytest.fixture(scope="module")
def bridge(stand_in, rasa_stack, tmp_path_factory):
    with running_bridge(
        stand_in,
        rasa_stack.rasa_url,
        tmp_path_factory.mktemp("bridge-rasa"),
        RASA_CHANNEL_SECRET=rasa_stack.channel_secret,
    ) as process:
        yield process


@pytest.fixture
def chat_id():
    return next(_chat_ids)


def keyboard(message: dict) -> list[dict]:
    return [button for row in message.get("reply_markup", {}).get("inline_keyboard", []) for button in row]


def answers_after(
    stand_in: TelegramApiStandIn,
    chat_id: int,
    already: int,
    text: str | None = None,
    press: tuple[int, str] | None = None,
    timeout: float = 60,
) -> list[dict]:
    """Sends one text (or one button press) and returns the bot's new messages once it has answered."""
    stand_in.push(stand_in.text_update(chat_id, text) if press is None else stand_in.button_update(chat_id, *press))
    stand_in.wait_for_messages(chat_id, already + 1, timeout=timeout)
    # Rasa's answer to one message may be several messages; they arrive together, so wait a moment.
    previous = -1
    while previous != len(stand_in.sent_messages(chat_id)):
        previous = len(stand_in.sent_messages(chat_id))
        try:
            stand_in.wait_until(lambda seen=previous: len(stand_in.sent_messages(chat_id)) > seen, timeout=1.0)
        except AssertionError:
            break
    return stand_in.sent_messages(chat_id)[already:]


def test_start_greets_with_the_clinic_name_and_buttons(stand_in, bridge, chat_id):
    [greeting, *_] = answers_after(stand_in, chat_id, 0, "/start")
    assert CLINIC.name in greeting["text"]
    assert "Book a consultation" in [button["text"] for button in keyboard(greeting)]
    assert stand_in.calls_to("sendChatAction", chat_id)


def test_faq_is_answered(stand_in, bridge, chat_id):
    answers = answers_after(stand_in, chat_id, 0, "does microneedling hurt?")
    joined = " ".join(m["text"] for m in answers)
    assert "numbing cream" in joined and TROUBLE not in joined


def test_pressing_a_button_relays_its_payload_and_removes_the_keyboard(stand_in, bridge, chat_id):
    [greeting, *_] = answers_after(stand_in, chat_id, 0, "hello")
    pain = next(b for b in keyboard(greeting) if b["text"] == "Does it hurt?")
    answers = answers_after(
        stand_in, chat_id, len(stand_in.sent_messages(chat_id)), press=(greeting["message_id"], pain["callback_data"])
    )
    assert "numbing cream" in " ".join(m["text"] for m in answers)
    assert keyboard(stand_in.sent_messages(chat_id)[0]) == []


def test_red_flag_is_answered_with_the_emergency_number(stand_in, bridge, chat_id):
    answers = answers_after(
        stand_in, chat_id, 0, "after my treatment my lips and tongue are swelling and I can't breathe"
    )
    assert CLINIC.emergency_number in " ".join(m["text"] for m in answers)


def test_two_chats_at_once_each_get_their_own_answer(stand_in, bridge):
    prices_chat, hours_chat = next(_chat_ids), next(_chat_ids)
    stand_in.push(
        stand_in.text_update(prices_chat, "how much does microneedling cost?"),
        stand_in.text_update(hours_chat, "what are your opening hours?"),
    )
    prices = " ".join(m["text"] for m in stand_in.wait_for_messages(prices_chat, 1, timeout=60))
    hours = " ".join(m["text"] for m in stand_in.wait_for_messages(hours_chat, 1, timeout=60))
    assert CLINIC.prices[1].price in prices and CLINIC.hours[0].days not in prices
    assert CLINIC.hours[0].days in hours and CLINIC.prices[1].price not in hours


def test_rasa_down_then_back(stand_in, bridge, rasa_stack, chat_id):
    rasa_stack.rasa.stop()
    try:
        [trouble] = answers_after(stand_in, chat_id, 0, "what are your opening hours?")
    finally:
        rasa_stack.rasa.start()
        rasa_stack.rasa.wait_ready(timeout=240)
    assert trouble["text"].startswith(TROUBLE) and CLINIC.phone in trouble["text"]
    assert bridge.alive()
    answers = answers_after(stand_in, chat_id, 1, "what are your opening hours?")
    assert CLINIC.hours[0].days in " ".join(m["text"] for m in answers)


# -- the whole intake -------------------------------------------------------------------------


def _questions_by_slot(language: str) -> dict[str, str]:
    """The opening words of each `utter_ask_<slot>` in domain.yml in `language`, so the test follows
    the form by what it asks rather than by a fixed order."""
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    questions = {}
    for name, variants in (domain.get("responses") or {}).items():
        if not name.startswith("utter_ask_"):
            continue
        for variant in variants or []:
            said_in = {c["value"] for c in variant.get("condition") or [] if c.get("name") == "language"} or {"en"}
            if language in said_in and variant.get("text"):
                questions[name.removeprefix("utter_ask_")] = re.split(r"[{\n]", variant["text"])[0][:40]
                break
    return questions


@dataclass(frozen=True)
class Patient:
    """What one patient says in their own language: how they ask, what they type for each
    question and which buttons they press (told apart by their titles, as a patient does)."""

    language_code: str | None
    asks: str
    typed: dict[str, str]
    agree: str
    confirm: str
    none_of_these: str
    reference: str


PATIENTS = {
    "en": Patient(
        language_code=None,
        asks="I'd like to book a consultation",
        typed={
            "full_name": "Zoë O'Brien-Smith",
            "birth": "14/03/1985",
            "phone": "+44 7911 123456",
            "email": "zoe.obrien@example.com",
            "concerns": "acne scars on the cheeks",
            "preferred_time": "weekday evenings",
            "health_notes": "no",
        },
        agree="Yes, I agree",
        confirm="Confirm and send",
        none_of_these="None of these",
        reference=r"reference is ([A-Z0-9-]+)",
    ),
    # Telegram says the patient's app is in Spanish; dates, the negated health note and the name
    # with accents and ñ are read as a Spanish speaker writes them.
    "es": Patient(
        language_code="es",
        asks="Hola, quisiera pedir una consulta",
        typed={
            "full_name": "María José Núñez-Peña",
            "birth": "14 de marzo de 1985",
            "phone": "+44 7912 345678",
            "email": "mj.nunez@example.com",
            "concerns": "cicatrices de acné en las mejillas",
            "preferred_time": "entre semana por la tarde",
            "health_notes": "no tomo ningún medicamento",
        },
        agree="Sí, acepto",
        confirm="Confirmar y enviar",
        none_of_these="Ninguna de estas",
        reference=r"referencia es ([A-Z0-9-]+)",
    ),
}


def _button_to_press(patient: Patient, slot: str | None, buttons: list[dict]) -> dict:
    """Consent is given, the summary confirmed, every screening group answered "None of these"
    (a yes/no question "No"), and for anything else (how to be contacted) the first choice is taken.
    Button data is a key to the payload (bot/telegram/buttons.py), so titles are all there is."""
    titles = {b["text"]: b for b in buttons}
    wanted = ([patient.agree] if slot == "intake_consent" else []) + [patient.confirm, patient.none_of_these, "No"]
    return next((titles[title] for title in wanted if title in titles), buttons[0])


@pytest.mark.parametrize("language", ["en", "es"])
def test_full_intake_over_telegram_ends_in_the_export_with_channel_telegram(
    stand_in, bridge, rasa_stack, chat_id, language
):
    patient = PATIENTS[language]
    if patient.language_code:
        stand_in.user_languages[chat_id] = patient.language_code
    questions = _questions_by_slot(language)
    answers = answers_after(stand_in, chat_id, 0, patient.asks)
    transcript: list[str] = []
    for _turn in range(40):
        last = answers[-1]
        text, buttons = last["text"], keyboard(last)
        reference = re.search(patient.reference, text)
        if reference:
            break
        slot = next((s for s, opening in questions.items() if text.startswith(opening)), None)
        sent = len(stand_in.sent_messages(chat_id))
        transcript.append(f"bot: {text[:100]!r} {[b['text'] for b in buttons]}")
        if slot in patient.typed:
            transcript.append(f"patient types: {patient.typed[slot]!r}")
            answers = answers_after(stand_in, chat_id, sent, patient.typed[slot])
        elif buttons:
            button = _button_to_press(patient, slot, buttons)
            transcript.append(f"patient presses: {button['text']!r}")
            answers = answers_after(stand_in, chat_id, sent, press=(last["message_id"], button["callback_data"]))
        else:
            pytest.fail("the intake asked something this test cannot answer:\n" + "\n".join(transcript))
    else:
        pytest.fail("the intake did not finish within 40 turns:\n" + "\n".join(transcript))

    export = subprocess.run(
        ["make", "--silent", "export"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        env=dict(os.environ, DATABASE_URL=rasa_stack.database_url),
        timeout=120,
        check=True,
    )
    records = [r for r in json.loads(export.stdout) if r["reference"] == reference.group(1)]
    assert len(records) == 1, export.stdout[:500]
    assert records[0]["channel"] == "telegram"
    assert records[0]["name"] == patient.typed["full_name"]
    assert records[0]["language"] == language
    assert records[0]["date_of_birth"] == "1985-03-14"
    assert records[0]["screening"]["outcome"] == "eligible"
