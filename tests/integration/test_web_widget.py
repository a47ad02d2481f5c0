"""The chat widget in a real browser (Debian's Chromium) against our real web server.

Rasa here is the small fake from tests/fakes/fake_rasa.py, because these tests make it do what the
real assistant cannot on demand: answer with hostile markup, fail, and count every message it gets.
The same widget against the real assistant is in test_web_assistant.py.
"""

from __future__ import annotations

import re

import pytest

from bot.limits import MemoryLimiter
from bot.settings import Settings
from bot.web.app import create_app
from bot.web.background import free_port, serve_in_background
from tests.fakes.fake_rasa import FakeRasa
from tests.support.markdown_cases import blocks, markdown_cases
from tests.support.widget_page import WIDGET_LABELS, bot_bubbles, clinic_site, send

playwright_sync = pytest.importorskip("playwright.sync_api")
expect = playwright_sync.expect

OPEN = "Chat with Lumen Skin Clinic"
GREETING = "Hello! How can I help you today?"
FAREWELL = "Thank you, Ada. The clinic will call you back. Take care!"
# Made-up patient details, looked for in the browser's storage after the intake ends.
PATIENT_NAME = "Ada Quillfeather"
PATIENT_PHONE = "07700 900461"

pytestmark = pytest.mark.timeout(120)


def responder(sender: str, text: str) -> list[dict]:
    if text == "hi":
        return [{"text": GREETING, "buttons": [{"title": "Does it hurt?", "payload": "/ask_pain"}]}]
    if text == "/ask_pain":
        return [{"text": "Numbing cream makes it **comfortable** for most people."}]
    if text == "yes":  # the end of an intake: Rasa has deleted the conversation
        return [{"text": FAREWELL}, {"recipient_id": sender, "custom": {"forget_conversation": True}}]
    return [{"text": f"You said: {text}"}]


@pytest.fixture
def fake_rasa():
    with FakeRasa(responder) as fake:
        yield fake


@pytest.fixture
def site(fake_rasa):
    port = free_port()
    app = create_app(Settings(rasa_url=fake_rasa.url, site_origins=[f"http://127.0.0.1:{port}"]))
    with serve_in_background(app, port) as url:
        yield url


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    yield context
    context.close()


@pytest.fixture
def page(context, site):
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(site + "/")
    yield page
    assert errors == [], f"JavaScript errors on the page: {errors}"


def open_chat(page):
    page.get_by_role("button", name=OPEN).click()
    expect(page.get_by_text(GREETING)).to_be_visible()


def browser_storage(page) -> str:
    """Everything this page's origin keeps in sessionStorage and localStorage, as one string."""
    return page.evaluate("() => JSON.stringify([Object.entries(sessionStorage), Object.entries(localStorage)])")


def age_stored_conversation(page, hours: float) -> None:
    page.evaluate(
        """hours => {
        for (const key of Object.keys(sessionStorage).filter((k) => k.startsWith("clinic-chat:"))) {
            const state = JSON.parse(sessionStorage.getItem(key));
            state.savedAt = Date.now() - hours * 3600 * 1000;
            sessionStorage.setItem(key, JSON.stringify(state));
        }
    }""",
        hours,
    )


def go_through_an_intake(page):
    open_chat(page)
    for detail in (PATIENT_NAME, PATIENT_PHONE):
        send(page, detail)
        expect(bot_bubbles(page).last).to_have_text(f"You said: {detail}")
    stored = browser_storage(page)
    assert PATIENT_NAME in stored and PATIENT_PHONE in stored  # kept while the intake runs
    send(page, "yes")


def test_the_bubble_opens_a_labelled_dialog_with_greeting_and_suggested_questions(page, fake_rasa):
    launcher = page.get_by_role("button", name=OPEN)
    expect(launcher).to_have_attribute("aria-expanded", "false")
    open_chat(page)
    expect(launcher).to_have_attribute("aria-expanded", "true")
    dialog = page.get_by_role("dialog", name="Lumen Skin Clinic")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("log")).to_have_attribute("aria-live", "polite")
    expect(dialog.get_by_role("button", name="Does it hurt?")).to_be_visible()
    # The greeting trigger is sent once, and not shown as the patient's own words.
    assert fake_rasa.texts() == ["hi"]
    expect(page.locator(".from-user")).to_have_count(0)


def test_a_quick_reply_sends_its_payload_and_shows_its_title(page, fake_rasa):
    open_chat(page)
    page.get_by_role("button", name="Does it hurt?").click()
    expect(bot_bubbles(page).last.locator("strong")).to_have_text("comfortable")
    expect(page.locator(".from-user .bubble")).to_have_text(["Does it hurt?"])
    assert fake_rasa.texts() == ["hi", "/ask_pain"]
    expect(page.get_by_role("group", name="Quick replies")).to_be_hidden()


def test_bot_markdown_renders_but_markup_from_bot_or_patient_never_becomes_html(page, fake_rasa):
    fake_rasa.responder = lambda sender, text: (
        [
            {
                "text": (
                    "**Prices**\n- Full face: £250\n- Face and neck: £320\n1. first\n2. second\n"
                    "See https://lumenskin.example/prices. or [our page](https://lumenskin.example/faq), "
                    "write to mailto:hello@lumenskin.example or call tel:+442079460321.\n"
                    '[click me](javascript:window.__pwned=1) <img src=x onerror="window.__pwned=1">'
                    "<script>window.__pwned=1</script>"
                )
            }
        ]
        if text != "hi"
        else responder(sender, text)
    )
    open_chat(page)
    send(page, 'I am <b>bold</b> <img src=x onerror="window.__pwned=1">')
    answer = bot_bubbles(page).last
    expect(answer.locator("strong")).to_have_text("Prices")
    expect(answer.locator("ul > li")).to_have_text(["Full face: £250", "Face and neck: £320"])
    expect(answer.locator("ol > li")).to_have_text(["first", "second"])
    links = answer.locator("a")
    expect(links).to_have_count(4)
    hrefs = [links.nth(i).get_attribute("href") for i in range(4)]
    assert hrefs == [
        "https://lumenskin.example/prices",
        "https://lumenskin.example/faq",
        "mailto:hello@lumenskin.example",
        "tel:+442079460321",
    ]
    for i in range(4):
        expect(links.nth(i)).to_have_attribute("rel", "noopener noreferrer")
        expect(links.nth(i)).to_have_attribute("target", "_blank")
    # The hostile parts are there as visible text, and nothing of them became an element.
    expect(answer).to_contain_text("[click me](javascript:window.__pwned=1)")
    expect(answer).to_contain_text('<img src=x onerror="window.__pwned=1"><script>')
    expect(page.locator(".from-user .bubble")).to_have_text('I am <b>bold</b> <img src=x onerror="window.__pwned=1">')
    assert page.locator("[data-clinic-chat] img, [data-clinic-chat] script, [data-clinic-chat] b").count() == 0
    assert page.evaluate("window.__pwned") is None


# Reads a bot bubble's DOM back into the structure of tests/support/markdown_cases.py; anything
# else the widget built comes back as {"unexpected": tag}, so it can never compare equal.
READ_BACK = """bubbles => {
    const LISTS = ["UL", "OL"];
    const spans = (nodes) => {
        const out = [];
        for (const node of nodes) {
            let span;
            if (node.nodeType === Node.TEXT_NODE) span = node.data;
            else if (node.tagName === "STRONG") span = { b: spans(node.childNodes) };
            else if (node.tagName === "A") span = { a: node.getAttribute("href"), text: node.textContent };
            else if (LISTS.includes(node.tagName)) continue;  // a sub-list: read by item()
            else span = { unexpected: node.tagName };
            if (span === "") continue;
            if (typeof span === "string" && typeof out[out.length - 1] === "string") out[out.length - 1] += span;
            else out.push(span);
        }
        return out;
    };
    const lines = (p) => {
        const found = [[]];
        for (const node of p.childNodes) {
            if (node.tagName === "BR") found.push([]);
            else found[found.length - 1].push(node);
        }
        return found.map(spans);
    };
    const item = (li, ordered) => ({
        n: ordered ? li.value : null, li: spans(li.childNodes),
        sub: [...li.children].filter((c) => LISTS.includes(c.tagName)).map(block),
    });
    const block = (node) => {
        if (node.tagName === "P") return { p: lines(node) };
        if (!LISTS.includes(node.tagName)) return { unexpected: node.tagName };
        return { [node.tagName.toLowerCase()]: [...node.children].map((li) => li.tagName === "LI"
            ? item(li, node.tagName === "OL") : { unexpected: li.tagName }) };
    };
    return bubbles.map((bubble) => [...bubble.childNodes].map(block));
}"""


def test_bot_markdown_follows_the_shared_cases(page, fake_rasa):
    """Every case of tests/markdown_cases.yml (docs/markdown.md), as the widget builds it."""
    cases = markdown_cases()
    fake_rasa.responder = lambda sender, text: (
        [{"text": case["input"]} for case in cases] if text == "show the cases" else responder(sender, text)
    )
    open_chat(page)
    send(page, "show the cases")
    expect(bot_bubbles(page)).to_have_count(1 + len(cases))
    built = bot_bubbles(page).evaluate_all(READ_BACK)[1:]
    for case, structure in zip(cases, built):
        assert structure == blocks(case["blocks"]), case["name"]
    links = bot_bubbles(page).locator("a")
    assert set(links.evaluate_all("links => links.map((a) => a.target + ' ' + a.rel)")) == {
        "_blank noopener noreferrer"
    }


def test_history_survives_a_reload_and_the_session_continues_on_another_page(page, site, fake_rasa):
    open_chat(page)
    send(page, "first question")
    expect(bot_bubbles(page).last).to_have_text("You said: first question")
    page.reload()
    # The panel was open, so it is open again, with the whole conversation.
    expect(page.get_by_text("You said: first question")).to_be_visible()
    page.get_by_role("link", name="Aftercare").click()
    expect(page).to_have_url(re.compile(r"/aftercare$"))
    expect(page.get_by_text(GREETING)).to_be_visible()
    send(page, "second question")
    expect(bot_bubbles(page).last).to_have_text("You said: second question")
    senders = {sender for sender, _ in fake_rasa.received}
    assert len(senders) == 1 and next(iter(senders)).startswith("web-")
    assert fake_rasa.texts() == ["hi", "first question", "second question"]


def test_clear_asks_first_then_wipes_screen_and_storage_and_starts_a_new_session(page, fake_rasa):
    open_chat(page)
    send(page, PATIENT_NAME)
    expect(bot_bubbles(page).last).to_have_text(f"You said: {PATIENT_NAME}")
    clear = page.get_by_role("button", name="Clear this conversation")
    question = page.get_by_role("alertdialog", name="Clear this conversation from this browser?")
    # A mis-tap changes nothing: the question comes first, with the safe answer focused.
    clear.click()
    expect(question).to_be_visible()
    expect(question.get_by_role("button", name="Keep it")).to_be_focused()
    page.keyboard.press("Enter")
    expect(question).to_be_hidden()
    expect(clear).to_be_focused()
    clear.click()
    page.keyboard.press("Escape")  # closes the question, not the chat
    expect(question).to_be_hidden()
    expect(page.get_by_role("dialog", name="Lumen Skin Clinic")).to_be_visible()
    expect(page.get_by_text(PATIENT_NAME)).to_have_count(2)
    assert PATIENT_NAME in browser_storage(page)
    clear.click()
    question.get_by_role("button", name="Clear", exact=True).click()
    expect(page.get_by_text(PATIENT_NAME)).to_have_count(0)
    expect(page.get_by_text(GREETING)).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("Conversation cleared.")
    expect(page.get_by_role("textbox", name="Type your message")).to_be_focused()
    assert PATIENT_NAME not in browser_storage(page)
    first, second = fake_rasa.received[0][0], fake_rasa.received[-1][0]
    assert fake_rasa.texts() == ["hi", PATIENT_NAME, "hi"] and first != second


def test_when_the_connection_drops_it_says_so_and_delivers_everything_once_in_order(page, context, fake_rasa):
    open_chat(page)
    context.set_offline(True)
    send(page, "one")
    expect(page.get_by_role("status")).to_have_text("Connection lost — reconnecting…")
    send(page, "two")
    send(page, "three")
    context.set_offline(False)
    expect(bot_bubbles(page).last).to_have_text("You said: three")
    expect(page.get_by_role("status")).to_have_text("Connected again.")
    expect(bot_bubbles(page)).to_have_text([GREETING, "You said: one", "You said: two", "You said: three"])
    assert fake_rasa.texts() == ["hi", "one", "two", "three"]


def test_an_answer_lost_on_the_way_back_is_fetched_again_without_resending_the_message(page, fake_rasa):
    open_chat(page)
    seen_bodies: list[str] = []

    def lose_first_answer(route):
        seen_bodies.append(route.request.post_data)
        if len(seen_bodies) == 1:
            route.fetch()  # the server and Rasa get the message...
            route.abort("connectionreset")  # ...but the answer never reaches the browser
        else:
            route.continue_()

    page.route("**/api/chat", lose_first_answer)
    send(page, "are you there?")
    expect(bot_bubbles(page).last).to_have_text("You said: are you there?")
    expect(page.get_by_text("You said: are you there?")).to_have_count(1)
    assert len(seen_bodies) == 2 and seen_bodies[0] == seen_bodies[1]  # same message id retried
    assert fake_rasa.texts() == ["hi", "are you there?"]


def test_when_the_assistant_is_down_the_patient_is_told_and_it_recovers_by_itself(page, fake_rasa):
    open_chat(page)
    fake_rasa.fail_status = 500
    send(page, "hello?")
    expect(page.get_by_role("status")).to_contain_text("not available just now")
    expect(page.get_by_role("status")).to_contain_text("+44 20 7946 0321")
    fake_rasa.fail_status = None
    expect(bot_bubbles(page).last).to_have_text("You said: hello?")
    expect(page.get_by_role("status")).to_have_text("Connected again.")


def test_a_message_typed_before_leaving_the_page_is_still_delivered_after(page, context, fake_rasa):
    open_chat(page)
    context.set_offline(True)
    send(page, "sent while offline")
    expect(page.get_by_role("status")).to_have_text("Connection lost — reconnecting…")
    context.set_offline(False)
    page.reload()  # the queued message was stored, so the reloaded page sends it
    expect(bot_bubbles(page).last).to_have_text("You said: sent while offline")
    expect(page.get_by_text("sent while offline", exact=True)).to_have_count(1)
    assert fake_rasa.texts().count("sent while offline") == 1


def test_keyboard_alone_opens_chats_answers_and_closes_with_visible_focus(page, fake_rasa):
    launcher = page.get_by_role("button", name=OPEN)
    for _ in range(10):  # tab through the page's links until the bubble has focus
        page.keyboard.press("Tab")
        if launcher.evaluate("b => b.getRootNode().activeElement === b"):
            break
    else:
        pytest.fail("the chat bubble cannot be reached with Tab")
    page.keyboard.press("Enter")
    box = page.get_by_role("textbox", name="Type your message")
    expect(box).to_be_focused()
    expect(page.get_by_text(GREETING)).to_be_visible()
    assert box.evaluate("e => getComputedStyle(e).outlineStyle") != "none"
    page.keyboard.type("typed with the keyboard")
    page.keyboard.press("Enter")
    expect(bot_bubbles(page).last).to_have_text("You said: typed with the keyboard")
    page.keyboard.press("Shift+Tab")  # back from the text box to the last quick reply... or the log
    focused = page.evaluate("document.querySelector('[data-clinic-chat]').shadowRoot.activeElement.className")
    assert focused in ("messages", "reply")
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(launcher).to_be_focused()
    assert launcher.evaluate("e => getComputedStyle(e).outlineStyle") != "none"


def test_on_a_phone_the_panel_takes_the_whole_screen(browser, site, fake_rasa):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.goto(site + "/")
        page.get_by_role("button", name=OPEN).tap()
        expect(page.get_by_text(GREETING)).to_be_visible()
        box = page.get_by_role("dialog").bounding_box()
        assert box == {"x": 0, "y": 0, "width": 390, "height": 844}
        page.get_by_role("button", name="Does it hurt?").tap()
        expect(bot_bubbles(page).last.locator("strong")).to_have_text("comfortable")
    finally:
        context.close()


@pytest.mark.parametrize("listed", [True, False])
def test_embedded_in_another_site_it_works_only_for_the_listed_origins(browser, fake_rasa, listed):
    clinic_port, chat_port = free_port(), free_port()
    clinic_origin = f"http://127.0.0.1:{clinic_port}"
    origins = [clinic_origin] if listed else ["https://some-other-clinic.example"]
    chat_app = create_app(Settings(rasa_url=fake_rasa.url, site_origins=origins))
    with (
        serve_in_background(chat_app, chat_port) as chat_server,
        serve_in_background(clinic_site(chat_server), clinic_port) as clinic_url,
    ):
        context = browser.new_context()
        try:
            page = context.new_page()
            page.goto(clinic_url + "/")
            page.get_by_role("button", name=OPEN).click()
            if listed:
                expect(page.get_by_text(GREETING)).to_be_visible()
                # A light brand colour gets dark text on it, for contrast.
                color = page.locator(".launcher").evaluate("e => getComputedStyle(e).color")
                assert color == "rgb(20, 32, 42)"
            else:
                expect(page.get_by_role("status")).to_have_text("Connection lost — reconnecting…")
                assert fake_rasa.received == []
        finally:
            context.close()


@pytest.mark.parametrize(
    ("page_lang", "data_lang", "sent"),
    [("es-ES", None, "es-ES"), ("en", "es", "es"), ("", None, None)],
    ids=["the-page-s-lang", "data-lang-first", "none"],
)
def test_every_message_says_the_page_language_and_rasa_gets_the_conversation_language(
    browser, fake_rasa, page_lang, data_lang, sent
):
    clinic_port, chat_port = free_port(), free_port()
    chat_app = create_app(Settings(rasa_url=fake_rasa.url, site_origins=[f"http://127.0.0.1:{clinic_port}"]))
    with (
        serve_in_background(chat_app, chat_port) as chat_server,
        serve_in_background(clinic_site(chat_server, page_lang, data_lang), clinic_port) as clinic_url,
    ):
        context = browser.new_context()
        try:
            page = context.new_page()
            bodies: list[dict] = []
            page.on("request", lambda r: bodies.append(r.post_data_json) if r.url.endswith("/api/chat") else None)
            page.goto(clinic_url + "/")
            # The widget's own labels follow the page's language too (bot/web/widget_labels.yml).
            labels = "es" if sent and sent.startswith("es") else "en"
            page.get_by_role("button", name=WIDGET_LABELS[labels]["open"].format(title="Lumen Skin Clinic")).click()
            expect(page.get_by_text(GREETING)).to_be_visible()
            send(page, "does it hurt?", labels)
            expect(bot_bubbles(page).last).to_have_text("You said: does it hurt?")
        finally:
            context.close()
    assert [body.get("lang") for body in bodies] == [sent, sent]
    # "hi" says too little, so the page decides; the question is clearly English whatever the page.
    page_language = "es" if sent and sent.startswith("es") else "en"
    assert [m["language"] for m in fake_rasa.metadata] == [page_language, "en"]


def test_when_the_intake_ends_nothing_of_it_stays_in_the_browser_but_the_farewell_is_shown(page, fake_rasa):
    go_through_an_intake(page)
    expect(bot_bubbles(page).last).to_have_text(FAREWELL)
    expect(page.get_by_text(PATIENT_NAME, exact=True)).to_be_visible()  # still on screen for now
    stored = browser_storage(page)
    for typed in (PATIENT_NAME, PATIENT_PHONE, FAREWELL):
        assert typed not in stored
    # The next message starts a new conversation in Rasa, under the same session id, so that
    # "delete my data" from this tab still finds the request it sent.
    send(page, "one more question")
    expect(bot_bubbles(page).last).to_have_text("You said: one more question")
    senders = [sender for sender, _ in fake_rasa.received]
    assert len(set(senders)) == 1
    page.reload()
    expect(page.get_by_text("You said: one more question")).to_be_visible()
    expect(page.get_by_text(PATIENT_NAME)).to_have_count(0)
    expect(page.get_by_text(FAREWELL)).to_have_count(0)


def test_when_the_last_answer_is_lost_the_retry_still_ends_the_conversation_in_the_browser(page, fake_rasa):
    lost: list[str] = []

    def lose_the_farewell(route):
        if '"text":"yes"' in (route.request.post_data or "") and not lost:
            lost.append(route.request.post_data)
            route.fetch()  # Rasa ends and deletes the conversation...
            route.abort("connectionreset")  # ...but the farewell never reaches the browser
        else:
            route.continue_()

    page.route("**/api/chat", lose_the_farewell)
    go_through_an_intake(page)
    expect(bot_bubbles(page).last).to_have_text(FAREWELL)  # the retry gets the lost answer itself
    assert lost and fake_rasa.texts().count("yes") == 1  # the retry was not sent to Rasa again
    stored = browser_storage(page)
    assert PATIENT_NAME not in stored and PATIENT_PHONE not in stored


def test_a_stored_conversation_expires_the_clinics_unfinished_form_hours_after_the_last_activity(page, fake_rasa):
    # clinic/clinic.yml: retention.unfinished_form_hours: 2, as the relay and the tracker purge
    open_chat(page)
    send(page, PATIENT_NAME)
    expect(bot_bubbles(page).last).to_have_text(f"You said: {PATIENT_NAME}")
    age_stored_conversation(page, hours=1.9)
    page.reload()
    expect(page.get_by_text(f"You said: {PATIENT_NAME}")).to_be_visible()  # not yet
    age_stored_conversation(page, hours=2.1)
    page.reload()
    expect(page.get_by_role("button", name=OPEN)).to_have_attribute("aria-expanded", "false")
    assert PATIENT_NAME not in browser_storage(page)
    open_chat(page)
    expect(page.get_by_text(PATIENT_NAME)).to_have_count(0)


def test_a_tab_left_open_forgets_the_conversation_after_the_clinics_idle_hours(context, site, fake_rasa):
    page = context.new_page()
    page.clock.install()
    page.goto(site + "/")
    open_chat(page)
    send(page, PATIENT_NAME)
    expect(bot_bubbles(page).last).to_have_text(f"You said: {PATIENT_NAME}")
    page.clock.fast_forward("01:50:00")
    expect(page.get_by_text(f"You said: {PATIENT_NAME}")).to_be_visible()
    page.clock.fast_forward("00:12:00")
    expect(page.get_by_text(PATIENT_NAME)).to_have_count(0)
    assert PATIENT_NAME not in browser_storage(page)


def test_the_old_conversation_in_local_storage_is_removed_and_nothing_new_goes_there(page, site, fake_rasa):
    page.evaluate(
        """([key, name]) => {
        localStorage.setItem(key, JSON.stringify({ sessionId: "old0000001", open: true, queue: [],
            messages: [{ from: "user", text: name }] }));
        localStorage.setItem("the-clinic-site-own-key", "kept");
    }""",
        [f"clinic-chat:v1:{site}", PATIENT_NAME],
    )
    page.reload()
    open_chat(page)
    send(page, PATIENT_PHONE)
    expect(bot_bubbles(page).last).to_have_text(f"You said: {PATIENT_PHONE}")
    expect(page.get_by_text(PATIENT_NAME)).to_have_count(0)
    assert page.evaluate("() => Object.entries(localStorage)") == [["the-clinic-site-own-key", "kept"]]
    assert PATIENT_PHONE in page.evaluate("() => JSON.stringify(Object.entries(sessionStorage))")


def test_a_message_typed_while_the_last_answer_is_on_its_way_is_sent_after_it_and_not_kept(page, fake_rasa):
    open_chat(page)
    send(page, PATIENT_NAME)
    expect(bot_bubbles(page).last).to_have_text(f"You said: {PATIENT_NAME}")
    fake_rasa.delay = 1.0
    send(page, "yes")
    send(page, PATIENT_PHONE)  # queued behind "yes": nothing the patient typed is lost
    expect(bot_bubbles(page).last).to_have_text(f"You said: {PATIENT_PHONE}")
    assert fake_rasa.texts() == ["hi", PATIENT_NAME, "yes", PATIENT_PHONE]
    fake_rasa.delay = 0
    send(page, "thanks")  # the new conversation is stored as usual; the finished one is not
    expect(bot_bubbles(page).last).to_have_text("You said: thanks")
    stored = browser_storage(page)
    assert "You said: thanks" in stored and PATIENT_NAME not in stored and FAREWELL not in stored


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_too_many_messages_show_the_servers_kind_pause_and_one_retry_after_it(context, fake_rasa):
    clock = Clock()
    port = free_port()
    app = create_app(
        Settings(rasa_url=fake_rasa.url, site_origins=[f"http://127.0.0.1:{port}"], chat_per_conversation_per_minute=2),
        limits=MemoryLimiter(clock=clock),
    )
    with serve_in_background(app, port) as url:
        page = context.new_page()
        chat_posts: list[str] = []
        page.on("request", lambda request: chat_posts.append(request.url) if "/api/chat" in request.url else None)
        page.goto(url + "/")
        open_chat(page)  # "hi": the first of two this minute
        send(page, "first")
        expect(bot_bubbles(page).last).to_have_text("You said: first")
        clock.now += 57  # the minute ends in 3 seconds
        send(page, "second")
        status = page.get_by_role("status")
        expect(status).to_have_text(
            "That's a lot of messages at once, so I'm taking a short pause. I'll send yours in about 3 seconds."
        )
        clock.now += 4
        expect(bot_bubbles(page).last).to_have_text("You said: second", timeout=15_000)
        expect(page.locator(".status")).to_have_text("")  # the pause notice is gone
        assert fake_rasa.texts() == ["hi", "first", "second"]
        assert len(chat_posts) == 4  # hi, first, second refused, second after the pause: no hammering


def test_a_refused_session_is_replaced_and_the_message_still_delivered(page, fake_rasa):
    open_chat(page)
    page.evaluate("""() => {
        const key = Object.keys(sessionStorage).find((k) => k.startsWith("clinic-chat:"));
        const state = JSON.parse(sessionStorage.getItem(key));
        state.sessionId = "0123456789abcdef0123456789abcdef";  // made up: the server never issued it
        sessionStorage.setItem(key, JSON.stringify(state));
    }""")
    page.reload()
    send(page, "still there?")
    expect(bot_bubbles(page).last).to_have_text("You said: still there?")
    expect(page.get_by_text("This chat session has expired, so a new one has been started.")).to_be_visible()
    senders = [sender for sender, _ in fake_rasa.received]
    assert "web-0123456789abcdef0123456789abcdef" not in senders and len(set(senders)) == 2


def test_an_emergency_answer_stands_out_with_a_tap_to_call_link(page, fake_rasa):
    fake_rasa.responder = lambda sender, text: (
        [
            {"text": "EMERGENCY: call 999 now.\nThis could be an emergency."},
            {"custom": {"alert": "emergency", "call": "999"}},
        ]
        if "breathe" in text
        else responder(sender, text)
    )
    open_chat(page)
    send(page, "I can't breathe")
    alert = page.locator(".message.alert-emergency")
    expect(alert).to_have_count(1)
    expect(alert).to_have_attribute("role", "alert")
    expect(alert.get_by_role("link", name="Call 999 now")).to_have_attribute("href", "tel:999")
    color = alert.locator(".bubble").evaluate("e => getComputedStyle(e).borderTopColor")
    assert color == "rgb(180, 35, 24)", "set apart from other answers"
    send(page, "thanks")
    expect(page.locator(".message.alert-emergency")).to_have_count(1)  # only that answer


# ---- on a phone -------------------------------------------------------------------------------


def _focused(page) -> str:
    return page.evaluate(
        "() => { const a = document.activeElement; const r = a && a.shadowRoot ? "
        "a.shadowRoot.activeElement : a; return r ? r.tagName + '.' + r.className : ''; }"
    )


def test_a_tapped_button_leaves_the_keyboard_closed_and_a_keyboard_press_stays_in_the_text_box(page, fake_rasa):
    open_chat(page)
    page.get_by_role("button", name="Does it hurt?").click()  # a tap or a click: event.detail > 0
    expect(bot_bubbles(page).last).to_contain_text("comfortable")
    assert "TEXTAREA" not in _focused(page), "a phone's keyboard would cover the next buttons"
    page.get_by_role("button", name="Clear this conversation").click()
    page.get_by_role("button", name="Clear", exact=True).click()
    # The greeting's own button, not the suggested question of the same title shown until it comes.
    reply = page.get_by_role("group", name="Quick replies").get_by_role("button", name="Does it hurt?")
    reply.focus()
    page.keyboard.press("Enter")
    expect(bot_bubbles(page).last).to_contain_text("comfortable")
    assert "TEXTAREA" in _focused(page), "keyboard users carry on typing"


def test_after_a_reload_the_conversation_opens_at_the_last_message(page, fake_rasa):
    open_chat(page)
    for number in range(25):
        send(page, f"message number {number} with enough words to take up some room")
    expect(bot_bubbles(page).last).to_contain_text("message number 24")
    page.reload()
    expect(bot_bubbles(page).last).to_contain_text("message number 24")
    page.wait_for_timeout(300)
    gap = page.locator(".messages").evaluate("e => e.scrollHeight - e.clientHeight - e.scrollTop")
    assert gap < 5, f"the list should open at the last message, not {gap}px above it"


def test_phone_and_email_questions_bring_up_the_matching_keyboard(page, fake_rasa):
    fake_rasa.responder = lambda sender, text: (
        [{"text": "What phone number can the clinic reach you on?"}, {"custom": {"input": "tel"}}]
        if text == "phone please"
        else [{"text": "And your email address?"}, {"custom": {"input": "email"}}]
        if text == PATIENT_PHONE
        else responder(sender, text)
    )
    open_chat(page)
    box = page.get_by_role("textbox", name="Type your message")
    assert box.get_attribute("inputmode") is None
    send(page, "phone please")
    expect(box).to_have_attribute("inputmode", "tel")
    send(page, PATIENT_PHONE)
    expect(box).to_have_attribute("inputmode", "email")
    send(page, "ada@example.org")
    expect(bot_bubbles(page).last).to_have_text("You said: ada@example.org")
    assert box.get_attribute("inputmode") is None, "an ordinary question gets the ordinary keyboard"


def test_a_message_over_the_limit_is_refused_with_its_reason_and_kept_to_shorten(page, fake_rasa):
    open_chat(page)
    long_text = "my story " * 300  # 2,700 characters
    box = page.get_by_role("textbox", name="Type your message")
    box.fill(long_text)
    box.press("Enter")
    expect(page.get_by_role("status").first).to_contain_text("under 2000")
    assert box.input_value() == long_text, "nothing is cut or lost"
    assert "my story" not in " ".join(fake_rasa.texts())


def test_the_typing_indicator_is_announced_to_screen_readers(page, fake_rasa):
    open_chat(page)
    typing = page.locator(".typing")
    assert typing.get_attribute("role") == "status"
    expect(typing).to_contain_text("The assistant is typing")
