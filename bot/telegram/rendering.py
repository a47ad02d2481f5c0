"""Turns Rasa's messages into Telegram messages: HTML text, split to size, and inline keyboards.

Rasa's answers use a little markdown (`**bold**`, `- ` lists, `[text](url)` links). Everything
else is escaped, so text such as a patient's name with `_`, `*` or `<` is shown as written and can
never make Telegram reject a message. Telegram allows 4096 characters per message; longer answers
are split between lines, and a line too long on its own between words. A button's data is a
ButtonChoice, whatever its length: python-telegram-bot turns it into a key on sending (buttons.py).
"""
from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.telegram.buttons import ButtonChoice

MESSAGE_LIMIT = 4096
# Telegram's own button text limit is higher, but long titles wrap badly on phones.
_SHORT_TITLE = 16
_BUTTONS_PER_ROW = 3

_LINK = r"\[(?P<label>[^\]\n]+)\]\((?P<url>(?:https?://|mailto:|tel:)[^\s)]+)\)"
_BOLD = r"\*\*(?=\S)(?P<bold>.+?)(?<=\S)\*\*"
_INLINE = re.compile(f"{_LINK}|{_BOLD}")
_BULLET = re.compile(r"^(?P<indent>\s*)[-*] +(?P<rest>.*)$")
_HEADING = re.compile(r"^#{1,6} +(?P<rest>.+)$")


@dataclass(frozen=True)
class OutgoingMessage:
    html: str
    keyboard: InlineKeyboardMarkup | None = None


def telegram_length(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units), so emoji are not undercounted."""
    return len(text.encode("utf-16-le")) // 2


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


def _inline_to_html(text: str) -> str:
    parts: list[str] = []
    position = 0
    for match in _INLINE.finditer(text):
        parts.append(_escape(text[position:match.start()]))
        if match.group("url"):
            url = html.escape(match.group("url"), quote=True)
            parts.append(f'<a href="{url}">{_escape(match.group("label"))}</a>')
        else:
            parts.append(f"<b>{_inline_to_html(match.group('bold'))}</b>")
        position = match.end()
    parts.append(_escape(text[position:]))
    return "".join(parts)


def line_to_html(line: str) -> str:
    """One line of Rasa's markdown as Telegram HTML; tags never span lines, so lines split safely."""
    heading = _HEADING.match(line)
    if heading:
        return f"<b>{_inline_to_html(heading.group('rest'))}</b>"
    bullet = _BULLET.match(line)
    if bullet:
        return f"{bullet.group('indent')}• {_inline_to_html(bullet.group('rest'))}"
    return _inline_to_html(line)


def markdown_to_html(text: str) -> str:
    return "\n".join(line_to_html(line) for line in text.split("\n"))


def _split_plain(line: str, limit: int) -> list[str]:
    """A line too long for one message, as escaped plain-text pieces cut between words."""
    pieces: list[str] = []
    current = ""
    for token in re.split(r"(\s+)", line):
        for candidate in ([token] if telegram_length(_escape(token)) <= limit else list(token)):
            if telegram_length(_escape(current + candidate)) > limit:
                pieces.append(current)
                current = ""
            current += candidate
    pieces.append(current)
    return [_escape(piece) for piece in pieces]


def split_for_telegram(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Rasa's markdown text as a list of HTML messages, each within Telegram's limit."""
    rendered: list[str] = []
    for line in text.split("\n"):
        html_line = line_to_html(line)
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


def build_keyboard(buttons: Iterable[Mapping[str, Any]]) -> InlineKeyboardMarkup | None:
    """Rasa buttons as an inline keyboard: short titles side by side, longer ones one per row."""
    keyboard_buttons = [
        InlineKeyboardButton(str(button["title"]),
                             callback_data=ButtonChoice(str(button["title"]), str(button["payload"])))
        for button in buttons
        if button.get("title") and button.get("payload")
    ]
    if not keyboard_buttons:
        return None
    per_row = _BUTTONS_PER_ROW if all(len(b.text) <= _SHORT_TITLE for b in keyboard_buttons) else 1
    rows = [keyboard_buttons[i:i + per_row] for i in range(0, len(keyboard_buttons), per_row)]
    return InlineKeyboardMarkup(rows)


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
