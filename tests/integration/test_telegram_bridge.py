"""The real bridge (python-telegram-bot, `python -m bot.telegram`) against the Bot API stand-in and
a scripted Rasa REST server: commands, buttons, formatting, splitting, repeats, non-text messages,
Rasa going down and coming back, ordering within a chat and parallelism across chats, webhooks.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import time

import pytest

from bot.clinic import load_clinic
from bot.settings import get_settings
from tests.fakes.fake_rasa import FakeRasa
from tests.fakes.telegram_bridge_process import PROJECT_ROOT, running_bridge

pytestmark = pytest.mark.timeout(120)

CLINIC = load_clinic(get_settings().clinic_config)
LONG_PAYLOAD = "/inform" + '{"concern":"' + "acne scars on the cheeks and forehead " * 3 + '"}'
_chat_ids = itertools.count(5001)


def scripted_rasa(sender: str, message: str) -> list[dict]:
    """Answers like a small clinic assistant; enough to exercise every path of the bridge."""
    if message == "/greet":
        return [
            {
                "text": "Hello! I'm the clinic's assistant. How can I help?",
                "buttons": [
                    {"title": "Ask a question", "payload": "/ask_question"},
                    {"title": "Request a consultation", "payload": "/request_consultation"},
                ],
            }
        ]
    if message == "/request_consultation":
        return [
            {
                "text": "Are you pregnant or breastfeeding?",
                "buttons": [{"title": "Yes", "payload": "yes"}, {"title": "No", "payload": "no"}],
            }
        ]
    if message in ("yes", "no"):
        return [{"text": f"Noted: {message}."}]
    if message == "show a long button":
        return [{"text": "Which concern?", "buttons": [{"title": "Acne scars", "payload": LONG_PAYLOAD}]}]
    if message.startswith("/inform"):
        return [{"text": "Thanks, I have your concern."}]
    if message == "special":
        return [
            {
                "text": "Thanks **Ann_Marie *O'Neil* <3 & co**, see [our prices](https://clinic.example/p?a=1&b=2)\n- one\n- two"
            }
        ]
    if message == "long":
        return [{"text": "\n".join(f"Line {n}: " + "aftercare detail " * 12 for n in range(60))}]
    if message == "/help":
        return [{"text": "I can help with:\n- aftercare\n- prices"}]
    if message.startswith("slow"):
        time.sleep(1.5)
    if message in ("/stop", "silent"):
        return []
    return [{"text": f"You said: {message}"}]


@pytest.fixture(scope="module")
def rasa():
    fake = FakeRasa(scripted_rasa).start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def bridge(stand_in, rasa, tmp_path_factory):
    with running_bridge(stand_in, rasa.url, tmp_path_factory.mktemp("bridge")) as process:
        yield process
    assert "Traceback" not in process.log(), process.log()


@pytest.fixture
def chat_id():
    return next(_chat_ids)


def texts(messages: list[dict]) -> list[str]:
    return [m["text"] for m in messages]


def greeting_in(stand_in, chat_id: int) -> dict:
    """Starts the chat and returns the greeting, whose keyboard has two buttons."""
    stand_in.push(stand_in.text_update(chat_id, "/start"))
    [greeting] = stand_in.wait_for_messages(chat_id, 1)
    return greeting


def assert_keyboard_removed_and_press_acknowledged(stand_in, chat_id: int, acknowledgement: str | None) -> None:
    """The chat's first message lost its keyboard; the last press was answered with that text."""
    assert "reply_markup" not in stand_in.sent_messages(chat_id)[0], "pressed keyboard must be removed"
    [ack] = stand_in.calls_to("answerCallbackQuery")[-1:]
    assert ack.params.get("text") == acknowledgement


def test_polling_mode_removes_any_webhook_then_polls(stand_in, bridge):
    [delete] = stand_in.calls_to("deleteWebhook")
    assert delete.at < stand_in.calls_to("getUpdates")[0].at


def test_start_greets_with_buttons_after_typing(stand_in, rasa, bridge, chat_id):
    greeting = greeting_in(stand_in, chat_id)

    assert rasa.messages_from(f"telegram-{chat_id}") == ["/greet"]
    assert greeting["text"].startswith("Hello!")
    buttons = [b for row in greeting["reply_markup"]["inline_keyboard"] for b in row]
    assert [b["text"] for b in buttons] == ["Ask a question", "Request a consultation"]
    # A button carries a short key to its payload (bot/telegram/buttons.py), within Telegram's 64 bytes.
    assert all(1 <= len(b["callback_data"].encode()) <= 64 for b in buttons)
    typing = stand_in.calls_to("sendChatAction", chat_id)
    sent = stand_in.calls_to("sendMessage", chat_id)
    assert typing and typing[0].params["action"] == "typing" and typing[0].at < sent[0].at


def test_button_press_is_acknowledged_relayed_once_and_its_keyboard_removed(stand_in, rasa, bridge, chat_id):
    greeting = greeting_in(stand_in, chat_id)

    press = stand_in.press(chat_id, greeting["message_id"], "Request a consultation")
    stand_in.push(press)
    question = stand_in.wait_for_messages(chat_id, 2)[1]
    assert question["text"] == "Are you pregnant or breastfeeding?"
    assert_keyboard_removed_and_press_acknowledged(stand_in, chat_id, "You chose: Request a consultation")

    # The same old keyboard pressed again (say, from a second device): acknowledged, not relayed.
    stand_in.push(stand_in.press(chat_id, greeting["message_id"], "Ask a question"))
    stand_in.wait_until(
        lambda: any(
            c.params.get("text") == "You have already answered this one."
            for c in stand_in.calls_to("answerCallbackQuery")
        )
    )
    stand_in.push(stand_in.press(chat_id, question["message_id"], "No"))
    assert stand_in.wait_for_messages(chat_id, 3)[2]["text"] == "Noted: no."
    assert rasa.messages_from(f"telegram-{chat_id}") == ["/greet", "/request_consultation", "no"]
    # A press reaches Rasa under the id of its own update, as a typed message does.
    assert rasa.message_ids_from(f"telegram-{chat_id}")[1] == f"telegram-{press['update_id']}"


@pytest.mark.parametrize(
    ("language_code", "typed", "languages"),
    [
        ("es-419", "does it hurt?", ["es", "en"]),  # /start says no language: the patient's app's
        (None, "hola, una pregunta", ["en", "es"]),  # no language_code: English, until they write Spanish
        ("de", "ok", ["en", "en"]),  # a language we do not speak
        ("es", "ok", ["es", "es"]),
    ],
)
def test_every_message_reaches_rasa_with_the_conversation_language(
    stand_in, rasa, bridge, chat_id, language_code, typed, languages
):
    if language_code is not None:
        stand_in.user_languages[chat_id] = language_code
    greeting_in(stand_in, chat_id)
    stand_in.push(stand_in.text_update(chat_id, typed))
    stand_in.wait_for_messages(chat_id, 2)
    assert [metadata["language"] for metadata in rasa.metadata_from(f"telegram-{chat_id}")] == languages


def test_long_button_payload_travels_as_a_short_key(stand_in, rasa, bridge, chat_id):
    assert len(LONG_PAYLOAD.encode()) > 64
    stand_in.push(stand_in.text_update(chat_id, "show a long button"))
    [question] = stand_in.wait_for_messages(chat_id, 1)
    [[button]] = question["reply_markup"]["inline_keyboard"]
    assert len(button["callback_data"].encode()) <= 64

    stand_in.push(stand_in.button_update(chat_id, question["message_id"], button["callback_data"]))
    assert stand_in.wait_for_messages(chat_id, 2)[1]["text"] == "Thanks, I have your concern."
    assert rasa.messages_from(f"telegram-{chat_id}")[-1] == LONG_PAYLOAD


def test_a_button_the_bridge_no_longer_knows_is_answered_kindly(stand_in, rasa, bridge, chat_id):
    greeting = greeting_in(stand_in, chat_id)
    # Data the shared state does not know: a key that has expired, or one sent before a bridge
    # without Redis restarted (this is what the bridge's buttons used to carry).
    stand_in.push(stand_in.button_update(chat_id, greeting["message_id"], "/request_consultation"))
    expired = stand_in.wait_for_messages(chat_id, 2)[1]
    assert expired["text"] == "This button has expired. Please type your answer instead."
    assert_keyboard_removed_and_press_acknowledged(stand_in, chat_id, None)
    assert rasa.messages_from(f"telegram-{chat_id}") == ["/greet"]

    stand_in.push(stand_in.text_update(chat_id, "I'd like a consultation"))  # typed instead, as asked
    assert stand_in.wait_for_messages(chat_id, 3)[2]["text"] == "You said: I'd like a consultation"


def test_names_with_markup_characters_are_shown_as_written(stand_in, bridge, chat_id):
    stand_in.push(stand_in.text_update(chat_id, "special"))
    [message] = stand_in.wait_for_messages(chat_id, 1)
    # The stand-in parses the HTML as Telegram does; `text` is what the patient sees.
    assert message["text"] == "Thanks Ann_Marie *O'Neil* <3 & co, see our prices\n• one\n• two"
    assert "<b>Ann_Marie *O'Neil* &lt;3 &amp; co</b>" in message["html"]
    assert '<a href="https://clinic.example/p?a=1&amp;b=2">our prices</a>' in message["html"]


def test_long_answer_is_split_within_telegrams_limit(stand_in, bridge, chat_id):
    stand_in.push(stand_in.text_update(chat_id, "long"))
    expected_words = scripted_rasa("x", "long")[0]["text"].split()
    messages = stand_in.wait_until(
        lambda: (lambda ms: ms if " ".join(texts(ms)).split() == expected_words else None)(
            stand_in.sent_messages(chat_id)
        ),
        what="the whole long answer, every word in order",
    )
    assert len(messages) >= 3
    assert all(len(m["text"]) <= 4096 for m in messages)


def test_repeated_update_is_processed_once(stand_in, rasa, bridge, chat_id):
    update = stand_in.text_update(chat_id, "what does it cost?")
    stand_in.push(update, update)  # Telegram re-delivering the same update_id
    following = stand_in.text_update(chat_id, "and after that?")
    stand_in.push(following)
    stand_in.wait_for_messages(chat_id, 2)
    time.sleep(0.5)
    assert rasa.messages_from(f"telegram-{chat_id}") == ["what does it cost?", "and after that?"]
    # Each names its update, so Rasa too would run a copy that got past the bridge only once.
    assert rasa.message_ids_from(f"telegram-{chat_id}") == [
        f"telegram-{update['update_id']}",
        f"telegram-{following['update_id']}",
    ]
    assert texts(stand_in.sent_messages(chat_id)) == ["You said: what does it cost?", "You said: and after that?"]


@pytest.mark.parametrize(
    "content",
    [
        {"photo": [{"file_id": "p1", "file_unique_id": "u1", "width": 90, "height": 90}], "caption": "my skin"},
        {"voice": {"file_id": "v1", "file_unique_id": "u2", "duration": 3}},
        {
            "sticker": {
                "file_id": "s1",
                "file_unique_id": "u3",
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
            }
        },
        {"document": {"file_id": "d1", "file_unique_id": "u4", "file_name": "letter.pdf"}},
    ],
    ids=["photo", "voice", "sticker", "document"],
)
def test_non_text_message_gets_a_polite_answer(stand_in, rasa, bridge, chat_id, content):
    stand_in.push(stand_in.message_update(chat_id, **content))
    [answer] = stand_in.wait_for_messages(chat_id, 1)
    assert answer["text"].startswith("Sorry, I can only read text messages")
    assert rasa.messages_from(f"telegram-{chat_id}") == []
    stand_in.push(stand_in.text_update(chat_id, "hello"))
    assert stand_in.wait_for_messages(chat_id, 2)[1]["text"] == "You said: hello"
    assert bridge.alive()


def test_help_and_cancel_do_what_they_say(stand_in, rasa, bridge, chat_id):
    stand_in.push(stand_in.text_update(chat_id, "/help"))
    assistant_help, commands = stand_in.wait_for_messages(chat_id, 2)
    assert assistant_help["text"] == "I can help with:\n• aftercare\n• prices"
    assert "/start" in commands["text"] and "/cancel" in commands["text"]

    # The scripted Rasa says nothing to `stop` here, so the bridge confirms on its own.
    stand_in.push(stand_in.text_update(chat_id, "/cancel"))
    cancelled = stand_in.wait_for_messages(chat_id, 3)[2]
    assert rasa.messages_from(f"telegram-{chat_id}") == ["/help", "/stop"]
    assert cancelled["text"].startswith("Okay, I have stopped.")

    stand_in.push(stand_in.text_update(chat_id, "/frobnicate"))
    assert "/help" in stand_in.wait_for_messages(chat_id, 4)[3]["text"]


def test_rasa_down_then_back(stand_in, rasa, bridge, chat_id):
    rasa.stop()
    try:
        stand_in.push(stand_in.text_update(chat_id, "is it painful?"))
        [trouble] = stand_in.wait_for_messages(chat_id, 1)
    finally:
        rasa.start()
    assert trouble["text"].startswith("I'm having trouble right now, please try again in a minute")
    assert CLINIC.phone in trouble["text"]
    assert bridge.alive()

    stand_in.push(stand_in.text_update(chat_id, "is it painful?"))
    assert stand_in.wait_for_messages(chat_id, 2)[1]["text"] == "You said: is it painful?"


def test_flood_control_and_a_bad_gateway_delay_an_answer_but_do_not_lose_it(stand_in, bridge, chat_id):
    stand_in.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    stand_in.fail_next("sendMessage", 502, "Bad Gateway")
    stand_in.push(stand_in.text_update(chat_id, "are you there?"))
    [answer] = stand_in.wait_for_messages(chat_id, 1)
    assert answer["text"] == "You said: are you there?"
    attempts = stand_in.calls_to("sendMessage", chat_id)
    assert len(attempts) == 3 and attempts[1].at - attempts[0].at >= 1.0


def test_silent_rasa_means_trouble_not_silence(stand_in, bridge, chat_id):
    # Rasa answers HTTP 200 with no messages when a custom action failed (action server down).
    stand_in.push(stand_in.text_update(chat_id, "silent"))
    [answer] = stand_in.wait_for_messages(chat_id, 1)
    assert answer["text"].startswith("I'm having trouble right now")


def test_one_chat_in_order_while_other_chats_do_not_wait(stand_in, rasa, bridge):
    slow_chat, quick_chat = next(_chat_ids), next(_chat_ids)
    stand_in.push(
        stand_in.text_update(slow_chat, "slow first"),
        stand_in.text_update(slow_chat, "second"),
        stand_in.text_update(quick_chat, "quick"),
    )
    stand_in.wait_for_messages(slow_chat, 2)
    quick_sent = stand_in.calls_to("sendMessage", quick_chat)[0].at
    slow_sent = [c.at for c in stand_in.calls_to("sendMessage", slow_chat)]
    assert quick_sent < slow_sent[0], "a slow answer in one chat must not hold up another chat"
    assert texts(stand_in.sent_messages(slow_chat)) == ["You said: slow first", "You said: second"]
    assert rasa.messages_from(f"telegram-{slow_chat}") == ["slow first", "second"]


def test_a_hundred_chats_at_once_each_get_their_own_answer(stand_in, bridge):
    chats = [next(_chat_ids) for _ in range(100)]
    stand_in.push(*(stand_in.text_update(chat, f"question from {chat}") for chat in chats))
    stand_in.wait_until(
        lambda: all(stand_in.sent_messages(chat) for chat in chats), timeout=30, what="an answer in each of 100 chats"
    )
    for chat in chats:
        assert texts(stand_in.sent_messages(chat)) == [f"You said: question from {chat}"]


def test_patient_text_never_reaches_the_log(stand_in, bridge, chat_id):
    secret_words = "my name is Zelda Quux and I take warfarin"
    stand_in.push(stand_in.text_update(chat_id, secret_words))
    stand_in.wait_for_messages(chat_id, 1)
    log = bridge.log()
    assert "Zelda" not in log and "warfarin" not in log
    assert stand_in.token not in log


def test_without_a_token_it_says_so_and_does_not_start():
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    result = subprocess.run(
        [sys.executable, "-m", "bot.telegram"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    assert "TELEGRAM_BOT_TOKEN is not set" in result.stderr
