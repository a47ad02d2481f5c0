"""The relay sends each widget message to Rasa once, in order, however often the browser retries."""
from __future__ import annotations

import asyncio

import pytest

from bot.rasa_client import RasaClient, RasaUnavailable
from bot.web.fake_rasa import FakeRasa
from bot.web.relay import ChatRelay, normalise_messages

SESSION = "session0001"


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
    assert answer == [{"text": "You said: does it hurt?"}]
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
    first, duplicate = await asyncio.gather(relay.send(SESSION, "message01", "hello"),
                                            relay.send(SESSION, "message01", "hello"))
    await client.aclose()
    assert first == duplicate == [{"text": "You said: hello"}]
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
    assert [a[0]["text"] for a in answers] == [f"You said: text {n}" for n in range(5)]


@pytest.mark.asyncio
async def test_when_rasa_fails_a_retry_is_sent_again_once_it_is_back(fake_rasa):
    relay, client = await _relay(fake_rasa)
    fake_rasa.fail_status = 500
    with pytest.raises(RasaUnavailable):
        await relay.send(SESSION, "message01", "hello")
    fake_rasa.fail_status = None
    answer = await relay.send(SESSION, "message01", "hello")
    await client.aclose()
    assert answer == [{"text": "You said: hello"}]
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
    assert retried == [{"text": "You said: hello"}]
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
        {"recipient_id": "web-x", "text": "Pick one", "buttons": [
            {"title": "Yes", "payload": "yes"}, {"title": "", "payload": "x"}, {"title": 3, "payload": "y"},
            "not a button"]},
        {"recipient_id": "web-x", "image": "https://example.com/a.png"},
        {"recipient_id": "web-x", "custom": {"html": "<script>alert(1)</script>"}},
        {"text": "x" * 10_000},
        "not a message",
    ]
    messages = normalise_messages(raw)
    assert messages[0] == {"text": "Pick one", "buttons": [{"title": "Yes", "payload": "yes"}]}
    assert len(messages) == 2
    assert len(messages[1]["text"]) == 4000
