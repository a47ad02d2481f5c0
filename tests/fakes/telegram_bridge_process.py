"""Runs the real Telegram bridge (`python -m bot.telegram`) as a child process for integration tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.fakes.telegram_api import TelegramApiStandIn

PROJECT_ROOT = Path(__file__).resolve().parents[2]
_TELEGRAM_VARIABLES = (
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_BASE_URL",
    "TELEGRAM_WEBHOOK_URL",
    "TELEGRAM_WEBHOOK_SECRET",
    "TELEGRAM_WEBHOOK_PORT",
    "TELEGRAM_WEBHOOK_LISTEN",
    "TELEGRAM_STAFF_CHAT_ID",
)


@dataclass
class BridgeProcess:
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None


def bridge_env(stand_in: TelegramApiStandIn, rasa_url: str, **overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _TELEGRAM_VARIABLES}
    env.update(
        TELEGRAM_BOT_TOKEN=stand_in.token, TELEGRAM_BASE_URL=stand_in.base_url, RASA_URL=rasa_url, PYTHONUNBUFFERED="1"
    )
    env.update(overrides)
    return env


def _wait_for_port(port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"the webhook listener on port {port} did not open within {timeout}s")


@contextmanager
def running_bridge(
    stand_in: TelegramApiStandIn, rasa_url: str, log_dir: Path, name: str = "telegram-bridge", **env_overrides: str
) -> Iterator[BridgeProcess]:
    """Starts the bridge, waits until it polls (or has registered its webhook), stops it afterwards.
    `name` names its log file, so several bridges (replicas, or one restarted) can share `log_dir`."""
    log_path = log_dir / f"{name}.log"
    env = bridge_env(stand_in, rasa_url, **env_overrides)
    webhook = "TELEGRAM_WEBHOOK_URL" in env_overrides
    ready_method = "setWebhook" if webhook else "getUpdates"
    calls_before = len(stand_in.calls_to(ready_method))  # those of bridges started earlier
    with open(log_path, "w", encoding="utf-8") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.telegram"], cwd=PROJECT_ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT
        )
    bridge = BridgeProcess(process, log_path)
    try:
        stand_in.wait_until(
            lambda: len(stand_in.calls_to(ready_method)) > calls_before or not bridge.alive(),
            timeout=30,
            what=f"the bridge to call {ready_method}",
        )
        assert bridge.alive(), f"the bridge exited early:\n{bridge.log()}"
        if webhook:
            _wait_for_port(int(env_overrides["TELEGRAM_WEBHOOK_PORT"]), timeout=10)
        yield bridge
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
