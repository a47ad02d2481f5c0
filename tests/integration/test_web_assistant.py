"""The chat widget in a real browser against the real assistant: trained Rasa + action server.

Uses `rasa_stack` (tests/conftest.py) and our web server in front of it, as a patient would.
Screenshots of the open widget are taken every run; with UPDATE_SCREENSHOTS=1 they are written to
docs/widget-desktop.png and docs/widget-phone.png for the README.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass

import pytest

from bot.settings import PROJECT_ROOT, Settings
from bot.web.app import create_app
from bot.web.background import free_port, serve_in_background
from tests.support.screenshots import screenshot
from tests.support.tracker_db import tracker_rows
from tests.support.widget_page import WIDGET_LABELS, bot_bubbles, clinic_site, send

playwright_sync = pytest.importorskip("playwright.sync_api")
expect = playwright_sync.expect
expect.set_options(timeout=45_000)  # the real assistant on a busy 2-core machine can take a while

OPEN = "Chat with Lumen Skin Clinic"
GREETING = re.compile(r"virtual assistant", re.IGNORECASE)

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def site(rasa_stack):
    port = free_port()
    app = create_app(
        Settings(
            rasa_url=rasa_stack.rasa_url,
            rasa_channel_secret=rasa_stack.channel_secret,
            site_origins=[f"http://127.0.0.1:{port}"],
        )
    )
    with serve_in_background(app, port) as url:
        yield url


@pytest.fixture
def page(browser, site):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(site + "/")
    yield page
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def open_chat(page):
    page.get_by_role("button", name=OPEN).click()
    expect(bot_bubbles(page).first).to_contain_text(GREETING)


def wait_for_answer(page, bot_count_before: int):
    """Waits until the assistant has answered: more bot messages and no typing indicator."""
    expect(bot_bubbles(page)).not_to_have_count(bot_count_before)
    expect(page.locator(".typing")).to_be_hidden()


def test_the_bubble_opens_and_a_faq_is_answered(page, tmp_path):
    open_chat(page)
    expect(page.get_by_role("dialog", name="Lumen Skin Clinic")).to_be_visible()
    expect(page.get_by_role("group", name="Quick replies").get_by_role("button")).not_to_have_count(0)
    count = bot_bubbles(page).count()
    send(page, "does it hurt?")
    wait_for_answer(page, count)
    expect(bot_bubbles(page).last).to_contain_text(re.compile(r"numbing", re.IGNORECASE))
    screenshot(page, "widget-desktop.png", tmp_path)


def test_a_quick_reply_sends_its_payload_and_shows_its_title(page):
    open_chat(page)
    count = bot_bubbles(page).count()
    page.get_by_role("button", name="How long is recovery?").click()
    wait_for_answer(page, count)
    expect(page.locator(".from-user .bubble").last).to_have_text("How long is recovery?")
    expect(bot_bubbles(page).last).to_contain_text(re.compile(r"72 hours|redness", re.IGNORECASE))


def test_history_survives_a_reload_and_the_conversation_goes_on(page, rasa_stack):
    open_chat(page)
    count = bot_bubbles(page).count()
    send(page, "does it hurt?")
    wait_for_answer(page, count)
    before = bot_bubbles(page).all_inner_texts()
    page.reload()
    expect(bot_bubbles(page)).to_have_text(before)
    session = page.evaluate("Object.entries(sessionStorage).find(([k]) => k.startsWith('clinic-chat:'))[1]")
    sender = "web-" + json.loads(session)["sessionId"]
    count = bot_bubbles(page).count()
    send(page, "how much does it cost?")
    wait_for_answer(page, count)
    expect(bot_bubbles(page).last).to_contain_text("£")
    # Rasa kept one conversation for the web session across the reload (its texts are encrypted).
    patient_messages = [row for row in tracker_rows(rasa_stack.tracker_store_url, sender) if row["type_name"] == "user"]
    assert len(patient_messages) == 3


def test_html_typed_by_a_patient_is_shown_as_text_and_never_runs(page):
    open_chat(page)
    attack = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script><b>hi</b>'
    count = bot_bubbles(page).count()
    send(page, attack)
    wait_for_answer(page, count)
    expect(page.locator(".from-user .bubble").last).to_have_text(attack)
    assert page.locator("[data-clinic-chat] img, [data-clinic-chat] script, [data-clinic-chat] b").count() == 0
    assert page.evaluate("window.__pwned") is None


def test_keyboard_alone_is_enough_to_ask_answer_a_quick_reply_and_close(page):
    launcher = page.get_by_role("button", name=OPEN)
    for _ in range(10):
        page.keyboard.press("Tab")
        if launcher.evaluate("b => b.getRootNode().activeElement === b"):
            break
    else:
        pytest.fail("the chat bubble cannot be reached with Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("textbox", name="Type your message")).to_be_focused()
    expect(bot_bubbles(page).first).to_contain_text(GREETING)
    count = bot_bubbles(page).count()
    page.keyboard.type("does it hurt?")
    page.keyboard.press("Enter")
    wait_for_answer(page, count)
    # Shift+Tab from the text box reaches the quick replies, last one first.
    page.keyboard.press("Shift+Tab")
    focused = page.get_by_role("group", name="Quick replies").locator("button:focus")
    expect(focused).to_have_count(1)
    label = focused.inner_text()
    count = bot_bubbles(page).count()
    page.keyboard.press("Enter")
    wait_for_answer(page, count)
    expect(page.locator(".from-user .bubble").last).to_have_text(label)
    expect(page.get_by_role("textbox", name="Type your message")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(launcher).to_be_focused()


def test_on_a_phone_the_open_widget_fills_the_screen(browser, site, tmp_path):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    try:
        page = context.new_page()
        page.goto(site + "/")
        page.get_by_role("button", name=OPEN).tap()
        expect(bot_bubbles(page).first).to_contain_text(GREETING)
        assert page.get_by_role("dialog").bounding_box() == {"x": 0, "y": 0, "width": 390, "height": 844}
        count = bot_bubbles(page).count()
        page.get_by_role("button", name="Does it hurt?").tap()
        wait_for_answer(page, count)
        expect(bot_bubbles(page).last).to_contain_text(re.compile(r"numbing", re.IGNORECASE))
        screenshot(page, "widget-phone.png", tmp_path)
    finally:
        context.close()


# ---- a whole consultation request through the widget, down to `make export` --------------------


@dataclass(frozen=True)
class Patient:
    """A patient going through the intake in their language: what they answer, by what the
    assistant asks last (first match wins; the screening questions and the summary come first
    because their text mentions phones, areas and so on), and how the farewell says it is done."""

    language: str
    book: str
    answers: list[tuple[str, str]]
    done: str
    name: str
    email: str


PATIENTS = {
    "en": Patient(
        language="en",
        book="Book a consultation",
        answers=[
            (r"Health questions, part \d+ of \d+:", "None of these"),
            (r"type \"confirm\"|is this correct", "Confirm and send"),
            (r"do you agree", "Yes, I agree"),
            (r"full name", "Alex Webb"),
            (r"date of birth|how old", "14/03/1985"),
            (r"phone number", "+44 7911 123456"),
            (r"email address", "alex.webb@example.com"),
            (r"how would you like .* contact you", "Email"),
            (r"would you like to improve", "acne scars on my cheeks"),
            (r"days or times", "weekday evenings"),
            (r"anything else about your health", "no"),
        ],
        done=r"your reference is",
        name="Alex Webb",
        email="alex.webb@example.com",
    ),
    # Typed as a Spanish speaker writes: the date in words, a negated health note, ñ and accents.
    "es": Patient(
        language="es",
        book="Pedir una consulta",
        answers=[
            (r"Preguntas de salud, parte \d+ de \d+:", "Ninguna de estas"),
            (r"escriba «confirmar»|¿es correcto\?", "Confirmar y enviar"),
            (r"¿acepta compartir", "Sí, acepto"),
            (r"nombre completo", "Begoña Ibáñez Muñoz"),
            (r"fecha de nacimiento", "14 de marzo de 1985"),
            (r"número de teléfono", "+44 7912 345678"),
            (r"correo electrónico", "begona.ibanez@example.com"),
            (r"cómo prefiere que la clínica", "Correo electrónico"),
            (r"qué le gustaría mejorar", "manchas y cicatrices de acné en la frente"),
            (r"días u horas", "los sábados por la mañana"),
            (r"algo más sobre su salud", "no tomo anticoagulantes ni tengo alergias"),
        ],
        done=r"su referencia es",
        name="Begoña Ibáñez Muñoz",
        email="begona.ibanez@example.com",
    ),
}


@pytest.fixture(scope="module")
def spanish_site(rasa_stack):
    """A Spanish clinic's own page (`<html lang="es">`) embedding the widget."""
    chat_port, clinic_port = free_port(), free_port()
    app = create_app(
        Settings(
            rasa_url=rasa_stack.rasa_url,
            rasa_channel_secret=rasa_stack.channel_secret,
            site_origins=[f"http://127.0.0.1:{clinic_port}"],
        )
    )
    with (
        serve_in_background(app, chat_port) as chat_server,
        serve_in_background(clinic_site(chat_server, page_lang="es", data_lang=None), clinic_port) as clinic_url,
    ):
        yield clinic_url


def answer_like_a_patient(page, answer: str, language: str) -> None:
    """Presses the quick reply that says the answer, if there is one, or else types it."""
    replies = page.get_by_role("group", name=WIDGET_LABELS[language]["replies"])
    for button in replies.get_by_role("button").all():
        if button.inner_text().strip().lower() == answer.lower():
            button.click()
            return
    send(page, answer, language)


def go_through_the_intake(page, patient: Patient) -> None:
    """Books from the greeting's button and answers every question until the farewell."""
    count = bot_bubbles(page).count()
    page.get_by_role("button", name=patient.book).click()
    wait_for_answer(page, count)
    done = re.compile(patient.done, re.IGNORECASE)
    asked: list[str] = []
    for _ in range(30):
        last = bot_bubbles(page).last.inner_text()
        if done.search(last) or asked[-2:] == [last, last]:  # done, or stuck on one question
            break
        asked.append(last)
        answer = next(
            (reply for pattern, reply in patient.answers if re.search(pattern, last, re.IGNORECASE | re.DOTALL)), None
        )
        assert answer is not None, f"an intake question this test cannot answer: {last!r}"
        count = bot_bubbles(page).count()
        answer_like_a_patient(page, answer, patient.language)
        wait_for_answer(page, count)
    if not done.search(bot_bubbles(page).last.inner_text()):
        transcript = page.locator(".message").all_inner_texts()
        pytest.fail("the intake did not finish:\n" + "\n".join(transcript))


def exported_requests(database_url: str) -> list[dict]:
    exported = subprocess.run(
        ["make", "--no-print-directory", "-s", "export", f"DATABASE_URL={database_url}"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert exported.returncode == 0, exported.stderr
    return json.loads(exported.stdout)


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_full_intake_through_the_widget_is_exported_with_channel_web(
    browser, site, spanish_site, rasa_stack, language
):
    patient = PATIENTS[language]
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        # The English demo page, or a Spanish clinic's page: the widget follows the page's language.
        page.goto((spanish_site if language == "es" else site) + "/")
        page.get_by_role("button", name=WIDGET_LABELS[language]["open"].format(title="Lumen Skin Clinic")).click()
        expect(bot_bubbles(page).first).to_be_visible()
        go_through_the_intake(page, patient)
        # The farewell is on screen, but nothing of the intake stays in the browser's storage.
        stored = page.evaluate("JSON.stringify([Object.entries(sessionStorage), Object.entries(localStorage)])")
    finally:
        context.close()
    assert patient.name not in stored and patient.email not in stored.lower()
    assert "reference" not in stored and "referencia" not in stored

    records = [r for r in exported_requests(rasa_stack.database_url) if r["name"] == patient.name]
    assert len(records) == 1
    assert records[0]["channel"] == "web"
    assert records[0]["language"] == language
    assert records[0]["email"] == patient.email
    assert records[0]["date_of_birth"] == "1985-03-14"
    assert records[0]["screening"]["outcome"] == "eligible"
