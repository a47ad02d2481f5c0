"""The Telegram bridge renders the bot's markdown as the shared cases say (tests/markdown_cases.yml,
docs/markdown.md); the widget is checked on the same cases in tests/integration/test_web_widget.py."""

from __future__ import annotations

import pytest

from bot.telegram.rendering import markdown_to_html, split_for_telegram
from tests.fakes.telegram_api import visible_text_of_html
from tests.support.markdown_cases import blocks, markdown_cases, visible_lines

CASES = markdown_cases()


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_telegram_html_is_the_cases(case):
    assert markdown_to_html(case["input"]) == case["telegram"]
    assert split_for_telegram(case["input"]) == [case["telegram"].strip()]


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_telegram_shows_what_the_widget_builds(case):
    """The case's Telegram HTML and its structure agree: same lines, same numbers, same text."""
    shown = [line for line in visible_text_of_html(case["telegram"]).split("\n") if line.strip()]
    assert shown == visible_lines(blocks(case["blocks"]))


def test_the_cases_use_every_part_of_the_subset():
    kinds = set()

    def walk(value):
        if isinstance(value, dict):
            kinds.update(key for key in value if key in {"p", "ul", "ol", "b", "a", "sub"})
            for inner in value.values():
                walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    walk([case["blocks"] for case in CASES])
    assert kinds == {"p", "ul", "ol", "b", "a", "sub"}
    assert all(set(case) == {"name", "input", "telegram", "blocks"} for case in CASES)
