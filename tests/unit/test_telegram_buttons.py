"""A button's data: a short key out, its whole choice back, from any replica sharing the state
(in memory the same process, in Redis another one too); gone once its keyboard is answered or
its time is up."""

from __future__ import annotations

import asyncio

import pytest

from bot.telegram.buttons import ButtonChoice, ButtonStore


def _keys(markup) -> list[str]:
    return [button.callback_data for row in markup.inline_keyboard for button in row]


@pytest.mark.parametrize(
    "payload", ["yes", "é" * 40, "/inform" + "x" * 58, '/inform{"concern":"' + "scars " * 30 + '"}']
)
def test_any_payload_goes_out_within_64_bytes_and_comes_back_whole_on_another_replica(two_replicas_state, payload):
    sender, receiver = (ButtonStore(state) for state in two_replicas_state)

    async def scenario():
        markup = await sender.markup(((ButtonChoice("Acne scars", payload),),))
        [key] = _keys(markup)
        return markup, key, await receiver.choice(key)

    markup, key, choice = asyncio.run(scenario())
    assert markup.inline_keyboard[0][0].text == "Acne scars"
    assert 1 <= len(key.encode()) <= 64
    assert choice == ButtonChoice("Acne scars", payload)


def test_a_keyboard_keeps_its_rows_and_each_button_its_own_key(two_replicas_state):
    store = ButtonStore(two_replicas_state[0])
    yes, no, later = ButtonChoice("Yes", "yes"), ButtonChoice("No", "no"), ButtonChoice("Ask me later", "/later")

    async def scenario():
        markup = await store.markup(((yes, no), (later,)))
        return markup, [await store.choice(key) for key in _keys(markup)]

    markup, choices = asyncio.run(scenario())
    assert [[button.text for button in row] for row in markup.inline_keyboard] == [["Yes", "No"], ["Ask me later"]]
    assert choices == [yes, no, later] and len(set(_keys(markup))) == 3


def test_an_answered_keyboard_is_no_choice_any_more_on_any_replica(two_replicas_state):
    sender, receiver = (ButtonStore(state) for state in two_replicas_state)

    async def scenario():
        answered = await sender.markup(((ButtonChoice("Yes", "yes"), ButtonChoice("No", "no")),))
        other = await sender.markup(((ButtonChoice("Maybe", "maybe"),),))
        await receiver.forget(answered)
        return [await receiver.choice(key) for key in _keys(answered)], await receiver.choice(_keys(other)[0])

    gone, still_there = asyncio.run(scenario())
    assert gone == [None, None] and still_there == ButtonChoice("Maybe", "maybe")


def test_a_button_past_its_time_is_no_choice(two_replicas_state):
    sender, receiver = ButtonStore(two_replicas_state[0], kept_seconds=0.2), ButtonStore(two_replicas_state[1])

    async def scenario():
        [key] = _keys(await sender.markup(((ButtonChoice("Yes", "yes"),),)))
        await asyncio.sleep(0.4)
        return await receiver.choice(key)

    assert asyncio.run(scenario()) is None


@pytest.mark.parametrize("data", ["yes", "/request_consultation", "b:never-given-out", None, ""])
def test_data_the_bridge_never_gave_out_is_no_choice(two_replicas_state, data):
    assert asyncio.run(ButtonStore(two_replicas_state[0]).choice(data)) is None
