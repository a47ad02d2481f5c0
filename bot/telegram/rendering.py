"""Turns Rasa's messages into Telegram messages: HTML text, split to size, and inline keyboards.

Rasa's answers use the bot's markdown subset, docs/markdown.md, which the website widget renders
too (bot/web/static/widget/markdown.js); tests/markdown_cases.yml holds the cases both pass.
Everything else is escaped, so text such as a patient's name with `_`, `*` or `<` is shown as
written and can never make Telegram reject a message. Each line of the text stays one line, so
Telegram's limit of 4096 characters per message is kept by splitting between lines, and a line too
long on its own between words. Buttons become rows of ButtonChoices, whatever a payload's length:
the bridge gives each a short key when it sends them (buttons.py).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from bot.telegram.buttons import ButtonChoice, Keyboard

MESSAGE_LIMIT = 4096
# Telegram's own button text limit is higher, but long titles wrap badly on phones.
_SHORT_TITLE = 16
_BUTTONS_PER_ROW = 3

# The grammar of docs/markdown.md; markdown.js has the same expressions.
_LINES = re.compile(r"\r?\n")
_HEADING = re.compile(r"^#{1,6}[ \t]+(?P<rest>\S.*)$")
_ITEM = re.compile(r"^(?P<indent>[ \t]*)(?:(?P<bullet>[-*•])|(?P<number>\d{1,3})\.)[ \t]+(?P<rest>.*)$")
_INLINE = re.compile(
    "|".join(
        [
            r"\[(?P<label>[^\]\n]+)\]\((?P<url>(?:https?://|mailto:|tel:)[^\s)]+)\)",
            r"\*\*(?P<bold>\S(?:.*?\S)?)\*\*",
            r"(?P<bare>(?:https?://|mailto:|tel:)[^\s<>\"]+)",
        ]
    )
)
_TRAILING = re.compile(r"[.,;:!?)\]]+$")  # a sentence's full stop or bracket is not part of a bare link
_SUB_ITEM_INDENT = "  "


@dataclass(frozen=True)
class OutgoingMessage:
    html: str
    keyboard: Keyboard | None = None


def telegram_length(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units), so emoji are not undercounted."""
    return len(text.encode("utf-16-le")) // 2


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


def _inline_to_html(text: str) -> str:
    parts: list[str] = []
    position = 0
    while match := _INLINE.search(text, position):
        parts.append(_escape(text[position : match.start()]))
        position = match.end()
        if match.group("url"):
            url = html.escape(match.group("url"), quote=True)
            parts.append(f'<a href="{url}">{_escape(match.group("label"))}</a>')
        elif match.group("bold") is not None:
            parts.append(f"<b>{_inline_to_html(match.group('bold'))}</b>")
        else:
            # A bare address stays text: Telegram's apps make URLs, emails and phone numbers tappable.
            address = _TRAILING.sub("", match.group("bare"))
            position = match.start() + len(address)
            parts.append(_escape(re.sub(r"^(?:mailto|tel):", "", address)))
    parts.append(_escape(text[position:]))
    return "".join(parts)


def _lines(text: str) -> list[str]:
    return _LINES.split(text)


def _html_lines(lines: Iterable[str]) -> Iterator[str | None]:
    """Each line of Rasa's markdown as one line of Telegram HTML (tags never span lines), or None
    for a gap right after another: consecutive gaps are one."""
    list_indent: int | None = None  # the spaces before the items of the list going on, if one is
    previous_gap = False
    for line in lines:
        if not line.strip():
            list_indent = None
            yield None if previous_gap else ""
            previous_gap = True
            continue
        previous_gap = False
        heading = _HEADING.match(line)
        item = None if heading else _ITEM.match(line)
        if item:
            indent = len(item.group("indent"))
            sub_item = list_indent is not None and indent > list_indent
            if not sub_item:
                list_indent = indent
            marker = "•" if item.group("bullet") else f"{int(item.group('number'))}."
            yield f"{_SUB_ITEM_INDENT if sub_item else ''}{marker} {_inline_to_html(item.group('rest'))}"
            continue
        list_indent = None
        if heading:
            yield f"<b>{_inline_to_html(heading.group('rest'))}</b>"
        else:
            yield _inline_to_html(line)


def markdown_to_html(text: str) -> str:
    return "\n".join(line for line in _html_lines(_lines(text)) if line is not None)


def _split_plain(line: str, limit: int) -> list[str]:
    """A line too long for one message, as escaped plain-text pieces cut between words."""
    pieces: list[str] = []
    current = ""
    for token in re.split(r"(\s+)", line):
        for candidate in [token] if telegram_length(_escape(token)) <= limit else list(token):
            if telegram_length(_escape(current + candidate)) > limit:
                pieces.append(current)
                current = ""
            current += candidate
    pieces.append(current)
    return [_escape(piece) for piece in pieces]


def split_for_telegram(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Rasa's markdown text as a list of HTML messages, each within Telegram's limit."""
    rendered: list[str] = []
    lines = _lines(text)
    for line, html_line in zip(lines, _html_lines(lines)):
        if html_line is None:
            continue
        rendered.extend([html_line] if telegram_length(html_line) <= limit else _split_plain(line, limit))

    chunks: list[str] = []
    current: list[str] = []
    for html_line in rendered:
        if current and telegram_length("\n".join([*current, html_line])) > limit:
            chunks.append("\n".join(current))
            current = []
        current.append(html_line)
    if current:
        chunks.append("\n".join(current))
    return [chunk.strip() for chunk in chunks if chunk.strip()]


def build_keyboard(buttons: Iterable[Mapping[str, Any]]) -> Keyboard | None:
    """Rasa buttons as rows of an inline keyboard: short titles side by side, longer ones one per row."""
    choices = [
        ButtonChoice(str(button["title"]), str(button["payload"]))
        for button in buttons
        if button.get("title") and button.get("payload")
    ]
    if not choices:
        return None
    per_row = _BUTTONS_PER_ROW if all(len(choice.title) <= _SHORT_TITLE for choice in choices) else 1
    return tuple(tuple(choices[i : i + per_row]) for i in range(0, len(choices), per_row))


def render_rasa_messages(messages: Iterable[Mapping[str, Any]]) -> list[OutgoingMessage]:
    """Each Rasa message becomes one or more Telegram messages; its buttons go on the last one."""
    outgoing: list[OutgoingMessage] = []
    for message in messages:
        text = str(message.get("text") or "")
        if message.get("image"):
            image_link = f"[Image]({message['image']})"
            text = f"{text}\n{image_link}" if text else image_link
        keyboard = build_keyboard(message.get("buttons") or [])
        chunks = split_for_telegram(text) if text.strip() else []
        if keyboard is not None and not chunks:
            chunks = [_escape("Please choose:")]
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            outgoing.append(OutgoingMessage(chunk, keyboard if last else None))
    return outgoing
