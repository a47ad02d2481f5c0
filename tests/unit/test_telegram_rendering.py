"""Rasa messages -> Telegram HTML, split within 4096 characters, and inline keyboards."""

from __future__ import annotations

import pytest

from bot.telegram.buttons import ButtonChoice
from bot.telegram.rendering import (
    MESSAGE_LIMIT,
    markdown_to_html,
    render_rasa_messages,
    split_for_telegram,
    telegram_length,
)
from tests.fakes.telegram_api import visible_text_of_html


@pytest.mark.parametrize("name", ["Ann_Marie", "*Bo*", "Cy <Admin>", "D & E", "__init__", "**", "<b>", "a_b*c`d[e](f)"])
def test_any_name_is_shown_exactly_as_written(name):
    rendered = markdown_to_html(f"Thank you, {name}.")
    assert visible_text_of_html(rendered) == f"Thank you, {name}."


def test_bold_links_bullets_and_headings():
    rendered = markdown_to_html("## Aftercare\n- **SPF 30** daily\n- see [our page](https://x.example/a?b=1&c=2)")
    assert rendered == (
        '<b>Aftercare</b>\n• <b>SPF 30</b> daily\n• see <a href="https://x.example/a?b=1&amp;c=2">our page</a>'
    )


def test_links_with_unsafe_schemes_stay_plain_text():
    rendered = markdown_to_html("[click](javascript:alert(1))")
    assert "<a" not in rendered and visible_text_of_html(rendered) == "[click](javascript:alert(1))"


def test_short_text_is_one_message():
    assert split_for_telegram("Hello") == ["Hello"]


def test_long_text_splits_between_lines_and_keeps_every_word():
    text = "\n".join(f"**Point {n}**: " + "microneedling aftercare " * 10 for n in range(80))
    chunks = split_for_telegram(text)
    assert len(chunks) > 1
    for chunk in chunks:
        assert telegram_length(visible_text_of_html(chunk)) <= MESSAGE_LIMIT
        assert telegram_length(chunk) <= MESSAGE_LIMIT
    visible = " ".join(visible_text_of_html(c) for c in chunks)
    assert visible.split() == visible_text_of_html(markdown_to_html(text)).split()


def test_a_single_huge_line_is_cut_between_words_and_escaping_is_never_cut():
    text = "a&b " * 3000  # escaping grows each '&' to '&amp;', which must not be cut in half
    chunks = split_for_telegram(text)
    assert len(chunks) > 1
    for chunk in chunks:
        assert telegram_length(chunk) <= MESSAGE_LIMIT
        visible_text_of_html(chunk)  # raises if an entity were broken
    assert " ".join(visible_text_of_html(c) for c in chunks).split() == text.split()


def test_a_word_longer_than_a_message_is_cut_anyway():
    chunks = split_for_telegram("x" * 9000)
    assert [len(c) for c in chunks] == [4096, 4096, 808]


def test_emoji_count_as_telegram_counts_them():
    chunks = split_for_telegram("😀" * 3000)  # each is two UTF-16 units
    assert all(telegram_length(c) <= MESSAGE_LIMIT for c in chunks) and len(chunks) == 2


def test_buttons_become_an_inline_keyboard_on_the_last_part():
    messages = render_rasa_messages(
        [{"text": "word " * 1500, "buttons": [{"title": "Yes", "payload": "yes"}, {"title": "No", "payload": "no"}]}],
    )
    assert len(messages) == 2 and messages[0].keyboard is None
    assert messages[-1].keyboard == ((ButtonChoice("Yes", "yes"), ButtonChoice("No", "no")),)


def test_long_titles_get_a_row_each_and_long_payloads_stay_whole():
    # The bridge swaps each choice for a short key on sending (test_telegram_buttons).
    long_payload = "/inform" + "x" * 100
    [message] = render_rasa_messages(
        [
            {
                "text": "Which one?",
                "buttons": [
                    {"title": "I'd like to ask a question", "payload": "/ask"},
                    {"title": "Book a consultation", "payload": long_payload},
                ],
            }
        ],
    )
    rows = message.keyboard
    assert [len(row) for row in rows] == [1, 1]
    assert rows[1][0] == ButtonChoice("Book a consultation", long_payload)


def test_buttons_without_text_still_get_a_prompt_and_images_a_link():
    [buttons_only] = render_rasa_messages([{"buttons": [{"title": "OK", "payload": "ok"}]}])
    assert buttons_only.html == "Please choose:" and buttons_only.keyboard is not None
    [image] = render_rasa_messages([{"image": "https://x.example/before.png"}])
    assert image.html == '<a href="https://x.example/before.png">Image</a>'


def test_empty_messages_render_to_nothing():
    assert render_rasa_messages([{"text": "   "}, {"custom": {"kind": "x"}}]) == []
