"""The relay sends each widget message to Rasa once, in order, however often the browser retries,
and forgets a conversation's answers once Rasa says the conversation has ended."""

from __future__ import annotations

import asyncio

import pytest

from bot.rasa_client import RasaClient, RasaUnavailable
from bot.web.relay import ALREADY_ANSWERED, ChatRelay, ends_conversation, normalise_messages
from tests.fakes.fake_rasa import FakeRasa

SESSION = "session0001"
FORGET = {"custom": {"forget_conversation": True}}


@pytest.fixture
def fake_rasa():
    with FakeRasa() as fake:
        yield fake


async def _relay(fake: FakeRasa, **bounds) -> tuple[ChatRelay, RasaClient]:
    client = RasaClient(fake.url, timeout=5)
    return ChatRelay(client, **bounds), client


@pytest.mark.asyncio
async def test_a_message_reaches_rasa_as_the_web_channel(fake_rasa):
    relay, client = await _relay(fake_rasa)
    answer = await relay.send(SESSION, "message01", "does it hurt?")
    await client.aclose()
    assert answer.messages == [{"text": "You said: does it hurt?"}] and not answer.conversation_ended
    assert fake_rasa.received == [(f"web-{SESSION}", "does it hurt?")]


@pytest.mark.asyncio
async def test_a_retried_message_gets_the_same_answer_without_reaching_rasa_again(fake_rasa):
    relay, client = await _relay(fake_rasa)
    first = await relay.send(SESSION, "message01", "hello")
    fake_rasa.responder = lambda sender, text: [{"text": "a different answer"}]
    retried = await relay.send(SESSION, "message01", "hello")
    await client.aclose()
    assert retried == first
    assert fake_rasa.texts() == ["hello"]


@pytest.mark.asyncio
async def test_a_retry_arriving_while_rasa_is_still_answering_waits_for_that_answer(fake_rasa):
    fake_rasa.delay = 0.3
    relay, client = await _relay(fake_rasa)
    first, duplicate = await asyncio.gather(
        relay.send(SESSION, "message01", "hello"), relay.send(SESSION, "message01", "hello")
    )
    await client.aclose()
    assert first.messages == duplicate.messages == [{"text": "You said: hello"}]
    assert fake_rasa.texts() == ["hello"]


@pytest.mark.asyncio
async def test_the_same_message_id_in_another_session_is_another_message(fake_rasa):
    relay, client = await _relay(fake_rasa)
    await relay.send("session0001", "message01", "hello")
    await relay.send("session0002", "message01", "hello")
    await client.aclose()
    assert [sender for sender, _ in fake_rasa.received] == ["web-session0001", "web-session0002"]


@pytest.mark.asyncio
async def test_messages_of_one_conversation_reach_rasa_one_at_a_time_in_order(fake_rasa):
    fake_rasa.delay = 0.1
    relay, client = await _relay(fake_rasa)
    answers = await asyncio.gather(*(relay.send(SESSION, f"message{n:02}", f"text {n}") for n in range(5)))
    await client.aclose()
    assert fake_rasa.texts() == [f"text {n}" for n in range(5)]
    assert [a.messages[0]["text"] for a in answers] == [f"You said: text {n}" for n in range(5)]


@pytest.mark.asyncio
async def test_when_rasa_fails_a_retry_is_sent_again_once_it_is_back(fake_rasa):
    relay, client = await _relay(fake_rasa)
    fake_rasa.fail_status = 500
    with pytest.raises(RasaUnavailable):
        await relay.send(SESSION, "message01", "hello")
    fake_rasa.fail_status = None
    answer = await relay.send(SESSION, "message01", "hello")
    await client.aclose()
    assert answer.messages == [{"text": "You said: hello"}]
    assert fake_rasa.texts() == ["hello"]


@pytest.mark.asyncio
async def test_an_answer_is_kept_for_the_retry_when_the_browser_hung_up_before_it_came(fake_rasa):
    fake_rasa.delay = 0.3
    relay, client = await _relay(fake_rasa)
    hung_up = asyncio.create_task(relay.send(SESSION, "message01", "hello"))
    await asyncio.sleep(0.1)
    hung_up.cancel()
    retried = await relay.send(SESSION, "message01", "hello")
    await client.aclose()
    assert retried.messages == [{"text": "You said: hello"}]
    assert fake_rasa.texts() == ["hello"]


@pytest.mark.asyncio
async def test_memory_is_bounded_forgetting_the_oldest_answers_and_conversations(fake_rasa):
    relay, client = await _relay(fake_rasa, max_conversations=2, answers_per_conversation=2)
    for n in range(3):
        await relay.send(SESSION, f"message{n:02}", f"text {n}")
    await relay.send(SESSION, "message00", "text 0")  # forgotten: sent again
    await relay.send(SESSION, "message02", "text 2")  # still remembered
    for other in ("session0002", "session0003"):
        await relay.send(other, "message00", "other")
    await relay.send(SESSION, "message02", "text 2")  # whole conversation forgotten: sent again
    await client.aclose()
    assert fake_rasa.texts() == ["text 0", "text 1", "text 2", "text 0", "other", "other", "text 2"]


def test_only_text_and_well_formed_buttons_pass_to_the_widget():
    raw = [
        {
            "recipient_id": "web-x",
            "text": "Pick one",
            "buttons": [
                {"title": "Yes", "payload": "yes"},
                {"title": "", "payload": "x"},
                {"title": 3, "payload": "y"},
                "not a button",
            ],
        },
        {"recipient_id": "web-x", "image": "https://example.com/a.png"},
        {"recipient_id": "web-x", "custom": {"html": "<script>alert(1)</script>"}},
        {"text": "x" * 10_000},
        "not a message",
    ]
    messages = normalise_messages(raw)
    assert messages[0] == {"text": "Pick one", "buttons": [{"title": "Yes", "payload": "yes"}]}
    assert len(messages) == 2
    assert len(messages[1]["text"]) == 4000


def _ends_on(trigger: str):
    """A Rasa that ends the conversation (final text, then the forget marker) on `trigger`."""

    def respond(sender, text):
        if text == trigger:
            return [
                {"recipient_id": sender, "text": "Thank you, your request is stored."},
                {"recipient_id": sender, **FORGET},
            ]
        return [{"recipient_id": sender, "text": f"Summary: Ada Example, 07700 900123, said {text}"}]

    return respond


def _remembered(relay: ChatRelay, session_id: str) -> str:
    """Everything the relay still holds for a conversation, as text, to look for patient data in."""
    conversation = relay._conversations[session_id]
    answers = [task.result() for task in conversation.answers.values() if task.done()]
    return repr((answers, list(conversation.forgotten.items())))


@pytest.mark.asyncio
async def test_the_forget_marker_ends_the_conversation_and_is_never_a_visible_message(fake_rasa):
    fake_rasa.responder = _ends_on("yes")
    relay, client = await _relay(fake_rasa)
    answer = await relay.send(SESSION, "message01", "yes")
    await client.aclose()
    assert answer.messages == [{"text": "Thank you, your request is stored."}]
    assert answer.conversation_ended
    assert answer.as_json() == {
        "messages": [{"text": "Thank you, your request is stored."}],
        "conversation_ended": True,
    }


@pytest.mark.asyncio
async def test_when_a_conversation_ends_the_relay_keeps_only_the_ids_it_handled_and_the_last_answer(fake_rasa):
    fake_rasa.responder = _ends_on("yes")
    relay, client = await _relay(fake_rasa)
    await relay.send(SESSION, "message01", "my name is Ada Example")
    assert "07700 900123" in _remembered(relay, SESSION)  # remembered while the form runs
    await relay.send(SESSION, "message02", "yes")
    await client.aclose()
    remembered = _remembered(relay, SESSION)
    assert "Ada" not in remembered and "07700" not in remembered
    assert "stored" in remembered, "the last answer (thanks, reference) is kept for a resend of that message"
    assert relay._conversations[SESSION].answers == {}
    assert list(relay._conversations[SESSION].forgotten) == ["message01", "message02"]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "message_id, answer",
    [("message01", ALREADY_ANSWERED), ("message02", "Thank you, your request is stored.")],
    ids=["earlier message: neutral", "the message that ended it: its answer again"],
)
async def test_a_retry_of_a_forgotten_message_is_answered_without_rasa(fake_rasa, message_id, answer):
    fake_rasa.responder = _ends_on("yes")
    relay, client = await _relay(fake_rasa)
    await relay.send(SESSION, "message01", "Ada Example")
    await relay.send(SESSION, "message02", "yes")
    retried = await relay.send(SESSION, message_id, "yes")
    await client.aclose()
    assert retried.messages == [{"text": answer}]
    assert retried.conversation_ended  # the widget forgets too, even if it missed the first answer
    assert fake_rasa.texts() == ["Ada Example", "yes"]


@pytest.mark.asyncio
async def test_after_the_end_a_new_message_of_the_session_goes_to_rasa_as_usual(fake_rasa):
    fake_rasa.responder = _ends_on("yes")
    relay, client = await _relay(fake_rasa)
    await relay.send(SESSION, "message01", "yes")
    again = await relay.send(SESSION, "message02", "hello again")
    await client.aclose()
    assert not again.conversation_ended and again.as_json() == {"messages": again.messages}
    assert fake_rasa.texts() == ["yes", "hello again"]


@pytest.mark.asyncio
async def test_a_message_queued_behind_the_last_one_belongs_to_the_new_conversation(fake_rasa):
    fake_rasa.responder = _ends_on("yes")
    fake_rasa.delay = 0.2
    relay, client = await _relay(fake_rasa)
    ending = asyncio.create_task(relay.send(SESSION, "message01", "yes"))
    await asyncio.sleep(0.05)
    queued = asyncio.create_task(relay.send(SESSION, "message02", "next"))
    await asyncio.gather(ending, queued)
    retried = await relay.send(SESSION, "message02", "next")  # remembered as usual, not forgotten
    await client.aclose()
    assert ending.result().conversation_ended and not queued.result().conversation_ended
    assert retried.messages == queued.result().messages
    assert fake_rasa.texts() == ["yes", "next"]


@pytest.mark.asyncio
async def test_forgotten_ids_are_bounded_too(fake_rasa):
    fake_rasa.responder = _ends_on("end")
    relay, client = await _relay(fake_rasa, answers_per_conversation=2)
    for n in range(3):
        await relay.send(SESSION, f"message{n:02}", "end")
    await client.aclose()
    assert list(relay._conversations[SESSION].forgotten) == ["message01", "message02"]


def test_only_a_true_forget_flag_in_a_custom_payload_ends_a_conversation():
    assert ends_conversation([{"text": "bye"}, {"recipient_id": "web-x", **FORGET}])
    assert not ends_conversation([{"text": "bye"}])
    assert not ends_conversation(
        [
            {"custom": {"forget_conversation": "yes"}},
            {"custom": "forget_conversation"},
            {"forget_conversation": True},
            "not a message",
        ]
    )
    assert normalise_messages([{"text": "bye"}, FORGET]) == [{"text": "bye"}]


def test_an_emergency_answer_carries_its_alert_and_a_dialable_number_to_the_widget():
    raw = [
        {"text": "EMERGENCY: call 999 now."},
        {"custom": {"alert": "emergency", "call": "999"}},
        {"text": "I've paused your request."},
    ]
    assert normalise_messages(raw) == [
        {"text": "EMERGENCY: call 999 now.", "alert": "emergency", "call": "999"},
        {"text": "I've paused your request."},
    ]
    odd = normalise_messages([{"text": "x"}, {"custom": {"alert": "emergency", "call": "javascript:alert(1)"}}])
    assert odd == [{"text": "x", "alert": "emergency"}], "only a plain number becomes a tel: link"
    assert normalise_messages([{"text": "x"}, {"custom": {"alert": "party"}}]) == [{"text": "x"}]


def test_a_question_tells_the_widget_which_keyboard_it_wants():
    raw = [{"text": "What phone number?"}, {"custom": {"input": "tel"}}]
    assert normalise_messages(raw) == [{"text": "What phone number?", "input": "tel"}]
    assert normalise_messages([{"text": "x"}, {"custom": {"input": "password"}}]) == [{"text": "x"}]


@pytest.mark.asyncio
async def test_an_abandoned_conversation_is_forgotten_after_the_clinics_unfinished_form_time(fake_rasa):
    fake_rasa.responder = lambda sender, text: [{"text": f"Please check: {text}, phone 07700 900123"}]
    now = [1000.0]
    client = RasaClient(fake_rasa.url, timeout=5)
    relay = ChatRelay(client, forget_after_seconds=2 * 3600, clock=lambda: now[0])
    await relay.send(SESSION, "message01", "Ada Example")
    await relay.send("someone-else", "message01", "does it hurt?")
    now[0] += 2 * 3600 - 60
    assert relay.forget_idle() == 0 and "07700" in _remembered(relay, SESSION)  # still within the time
    await relay.send("someone-else", "message02", "how long does it last?")  # keeps that one in use
    now[0] += 120
    assert relay.forget_idle() == 1  # the patient who walked away, not the one still chatting
    assert "Ada" not in _remembered(relay, SESSION) and "07700" not in _remembered(relay, SESSION)
    assert relay._conversations["someone-else"].answers
    retried = await relay.send(SESSION, "message01", "Ada Example")
    await client.aclose()
    assert retried.messages == [{"text": ALREADY_ANSWERED}] and retried.conversation_ended
    assert fake_rasa.texts().count("Ada Example") == 1, "a late retry never reaches Rasa a second time"


@pytest.mark.asyncio
async def test_a_retry_after_the_time_with_nothing_swept_in_between_is_not_answered_from_memory(fake_rasa):
    now = [0.0]
    client = RasaClient(fake_rasa.url, timeout=5)
    relay = ChatRelay(client, forget_after_seconds=600, clock=lambda: now[0])
    await relay.send(SESSION, "message01", "Ada Example")
    now[0] += 601
    retried = await relay.send(SESSION, "message01", "Ada Example")
    await client.aclose()
    assert retried.messages == [{"text": ALREADY_ANSWERED}]
    assert fake_rasa.texts() == ["Ada Example"]
