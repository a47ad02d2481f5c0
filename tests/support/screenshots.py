"""Screenshots from browser tests: always kept with the test's files; written to docs/ (what the
README shows) only when UPDATE_SCREENSHOTS=1, so a test run never changes tracked files."""

from __future__ import annotations

import os
from pathlib import Path

from bot.settings import PROJECT_ROOT

DOCS = PROJECT_ROOT / "docs"


def screenshot(page, name: str, tmp_path: Path, full_page: bool = False) -> None:
    page.screenshot(path=str(tmp_path / name), full_page=full_page)
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        page.screenshot(path=str(DOCS / name), full_page=full_page)
