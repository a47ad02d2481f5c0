"""`/widget.js`: the widget's parts in bot/web/static/widget/, served as the one script a clinic embeds.

The parts are plain browser JavaScript, each declaring one thing (`renderMarkdown`, `createTransport`,
`createView`, then `main.js`, which starts the widget). They are joined in that order inside one
function, so nothing but the widget's old `window.__clinicChatWidget` flag reaches the page, and a
line of settings from the relay goes first: `RELAY.maxTextChars`, the longest message `/api/chat`
accepts, so the widget refuses longer ones with the same limit; `RELAY.forgetAfterMs`, the clinic's
time for an unfinished form; `RELAY.labels`, the widget's labels per language from
widget_labels.yml. No build step: joining is all.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.web.validation import MAX_TEXT_CHARS

PARTS_DIR = Path(__file__).resolve().parent / "static" / "widget"
PARTS = ("markdown.js", "transport.js", "view.js", "main.js")
LABELS_FILE = Path(__file__).resolve().parent / "widget_labels.yml"

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


class WidgetLabelsError(ValueError):
    """bot/web/widget_labels.yml is missing a label or has one the widget does not know."""


def widget_labels(path: Path = LABELS_FILE) -> dict[str, dict[str, str]]:
    """The labels per language; every language has exactly English's labels, each a text."""
    labels = yaml.safe_load(path.read_text(encoding="utf-8"))
    english = labels.get("en") if isinstance(labels, dict) else None
    if not isinstance(english, dict) or not english:
        raise WidgetLabelsError(f"{path.name}: 'en' must list every label")
    for language, texts in labels.items():
        names = set(texts) if isinstance(texts, dict) else set()
        if names != set(english) or not all(isinstance(text, str) and text.strip() for text in texts.values()):
            missing, unknown = sorted(set(english) - names), sorted(names - set(english))
            raise WidgetLabelsError(
                f"{path.name}: '{language}' missing {missing}, unknown {unknown}, or an empty label"
            )
    return labels


def widget_script(forget_after_hours: float) -> WidgetScript:
    """`forget_after_hours`: the clinic's retention for an unfinished form; the browser keeps a
    conversation no longer after the last message than the relay and Rasa do."""
    relay = {
        "maxTextChars": MAX_TEXT_CHARS,
        "forgetAfterMs": int(forget_after_hours * 3600 * 1000),
        "labels": widget_labels(),
    }
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
