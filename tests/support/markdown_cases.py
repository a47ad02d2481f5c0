"""The shared cases of the bot's markdown (tests/markdown_cases.yml, docs/markdown.md), with their
structure in one full form, so the widget's DOM (read back in the browser) and the cases compare
as plain data:

    block = {"p": [spans, ...]} | {"ul": [item, ...]} | {"ol": [item, ...]}
    item  = {"n": number or None, "li": spans, "sub": [block, ...]}
    spans = [str | {"b": spans} | {"a": href, "text": label}, ...]   (no empty or adjacent strings)
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

CASES_FILE = Path(__file__).resolve().parents[1] / "markdown_cases.yml"


@lru_cache(maxsize=1)
def markdown_cases() -> list[dict[str, Any]]:
    return yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))


def spans(text: Any) -> list[Any]:
    """A case's text (a string, or a list of strings, bold and links) in full form."""
    merged: list[Any] = []
    for span in text if isinstance(text, list) else [text]:
        if isinstance(span, dict) and "b" in span:
            span = {"b": spans(span["b"])}
        elif isinstance(span, dict):
            span = {"a": str(span["a"]), "text": str(span["text"])}
        else:
            span = str(span)
        if span == "":
            continue
        if isinstance(span, str) and merged and isinstance(merged[-1], str):
            merged[-1] += span
        else:
            merged.append(span)
    return merged


def _item(item: Any) -> dict[str, Any]:
    if not isinstance(item, dict):
        item = {"li": item}
    return {"n": item.get("n"), "li": spans(item["li"]), "sub": blocks(item.get("sub") or [])}


def blocks(raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
    full = []
    for block in raw:
        [(kind, content)] = block.items()
        full.append({kind: [spans(line) for line in content] if kind == "p" else [_item(i) for i in content]})
    return full


def visible(text_spans: list[Any]) -> str:
    """What a reader sees of some spans: their text, a link as its label."""
    return "".join(s if isinstance(s, str) else visible(s["b"]) if "b" in s else s["text"] for s in text_spans)


def visible_lines(full_blocks: list[dict[str, Any]], indent: str = "") -> list[str]:
    """The lines a structure shows on Telegram: lines as they are, items after `• ` or `N. `,
    sub-items indented."""
    lines = []
    for block in full_blocks:
        [(kind, content)] = block.items()
        if kind == "p":
            lines += [visible(line) for line in content]
            continue
        for item in content:
            marker = "•" if kind == "ul" else f"{item['n']}."
            lines.append(f"{indent}{marker} {visible(item['li'])}")
            lines += visible_lines(item["sub"], indent + "  ")
    return lines
