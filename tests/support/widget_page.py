"""Driving the chat widget in a browser page as a patient does, and a clinic's own website that
embeds it with its one script tag, in a page language."""

from __future__ import annotations

import yaml
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

from bot.settings import PROJECT_ROOT

# The widget's own labels per language: the accessible names a patient (or a test) finds it by.
WIDGET_LABELS = yaml.safe_load((PROJECT_ROOT / "bot" / "web" / "widget_labels.yml").read_text(encoding="utf-8"))


def send(page, text: str, language: str = "en") -> None:
    box = page.get_by_role("textbox", name=WIDGET_LABELS[language]["inputLabel"])
    box.fill(text)
    box.press("Enter")


def bot_bubbles(page):
    return page.locator(".from-bot .bubble")


def clinic_site(chat_server: str, page_lang: str = "en", data_lang: str | None = "en") -> Starlette:
    """A clinic's page at "/" whose `<html lang>` is `page_lang`, with the widget from `chat_server`
    (and its `data-lang` attribute when `data_lang` is given)."""
    script_lang = f' data-lang="{data_lang}"' if data_lang is not None else ""
    html = (
        f'<!doctype html><html lang="{page_lang}"><head><title>Another clinic site</title></head><body>'
        f'<h1>Welcome</h1><script src="{chat_server}/widget.js" data-title="Lumen Skin Clinic" '
        f'data-color="#f4c7b8"{script_lang}></script></body></html>'
    )

    async def home(request):
        return HTMLResponse(html)

    return Starlette(routes=[Route("/", home)])
