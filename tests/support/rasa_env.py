"""Runs a check inside Rasa's own environment (.venv-rasa, Python 3.10), where our Rasa-side modules
(bot/rasa_process.py and what it installs) live: the check prints one JSON line, returned here."""

from __future__ import annotations

import json
import subprocess

from bot.settings import PROJECT_ROOT
from bot.stack import RASA_BIN


def run_in_rasa(code: str, *args: str, timeout: float = 300) -> dict:
    done = subprocess.run(
        [str(RASA_BIN.parent / "python"), "-W", "ignore", "-c", code, *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])
