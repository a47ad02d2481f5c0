"""`/widget.js`: the widget's parts in bot/web/static/widget/, served as the one script a clinic embeds.

The parts are plain browser JavaScript, each declaring one thing (`renderMarkdown`, `createTransport`,
`createView`, then `main.js`, which starts the widget). They are joined in that order inside one
function, so nothing but the widget's old `window.__clinicChatWidget` flag reaches the page, and a
line of settings from the relay goes first: `RELAY.maxTextChars`, the longest message `/api/chat`
accepts, so the widget refuses longer ones with the same limit. No build step: joining is all.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from bot.web.validation import MAX_TEXT_CHARS

PARTS_DIR = Path(__file__).resolve().parent / "static" / "widget"
PARTS = ("markdown.js", "transport.js", "view.js", "main.js")

_HEADER = """/*
 * The clinic's chat widget. Embed with one tag:
 *   <script src="https://chat.clinic.example/widget.js" defer data-server="https://chat.clinic.example"
 *           data-title="Lumen Skin Clinic" data-color="#0f5c63" data-lang="en"
 *           data-initial-message="hi"></script>
 * Plain JavaScript with no dependencies, served by bot/web (widget_script.py) from the parts in
 * bot/web/static/widget/. Nothing a bot or a patient writes is ever parsed as HTML.
 */
"""


@dataclass(frozen=True)
class WidgetScript:
    text: str
    etag: str


def widget_script(forget_after_hours: float) -> WidgetScript:
    """`forget_after_hours`: the clinic's retention for an unfinished form; the browser keeps a
    conversation no longer after the last message than the relay and Rasa do."""
    relay = {"maxTextChars": MAX_TEXT_CHARS, "forgetAfterMs": int(forget_after_hours * 3600 * 1000)}
    parts = [
        f"// ---- {name} " + "-" * (90 - len(name)) + "\n" + (PARTS_DIR / name).read_text(encoding="utf-8")
        for name in PARTS
    ]
    text = (
        _HEADER
        + '(function () {\n"use strict";\n\n'
        + f"const RELAY = {json.dumps(relay)};\n\n"
        + "\n".join(parts)
        + "})();\n"
    )
    return WidgetScript(text, '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"')
