"""How to start each part of the assistant as a process, and how to tell when it is ready.

Used by `make run` (bot/run.py) and by the tests, so both start exactly the same things.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bot.settings import PROJECT_ROOT, get_settings

RASA_BIN = PROJECT_ROOT / ".venv-rasa" / "bin" / "rasa"
APP_PYTHON = PROJECT_ROOT / ".venv-app" / "bin" / "python"
DEFAULT_MODEL = PROJECT_ROOT / "models" / "assistant.tar.gz"


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rasa_environment(action_port: int, tracker_store_url: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for `rasa run`: endpoints.yml reads these variables (defaults in bot/settings.py)."""
    settings = get_settings()
    env = dict(os.environ)
    env.update(
        ACTION_ENDPOINT_URL=f"http://{local_address(settings.bind_host)}:{action_port}/webhook",
        TRACKER_STORE_URL=tracker_store_url,
        LOCK_STORE_TYPE=settings.lock_store_type,
        REDIS_HOST=settings.redis_host,
        REDIS_PORT=str(settings.redis_port),
        REDIS_DB=str(settings.redis_db),
        REDIS_PASSWORD=settings.redis_password,
        VAR_DIR=str(settings.var_dir),
        # How long a replica may hold a conversation's lock (Rasa's default is 60 s): a replica
        # that dies holding it delays that conversation's next message by at most this.
        TICKET_LOCK_LIFETIME=env.get("TICKET_LOCK_LIFETIME", "20"),
        # Action calls carry the whole conversation; deflated (our action server checks what it
        # inflates), one fits the load balancer's buffer, which it must to be retried elsewhere.
        COMPRESS_ACTION_SERVER_REQUEST="true",
        RASA_TELEMETRY_ENABLED="false",
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
        # Rasa's old dependencies print pages of deprecation notices that bury the chat.
        PYTHONWARNINGS="ignore",
        TF_CPP_MIN_LOG_LEVEL="3",
    )
    env.update(extra or {})
    return env


def rasa_cli(subcommand: str) -> list[str]:
    """`rasa <subcommand>` with our logging rules (bot/log_privacy.py) and speedups
    (bot/rasa_speedups.py). `python -m` rather than bin/rasa: only then is the project root on
    sys.path when Rasa reads its logging config."""
    return [
        str(RASA_BIN.parent / "python"),
        "-m",
        "bot.rasa_process",
        subcommand,
        "--logging-config-file",
        str(PROJECT_ROOT / "bot" / "rasa_logging.yml"),
    ]


def local_address(bind_host: str) -> str:
    """Where this machine reaches a server bound to `bind_host` (ready checks, port checks)."""
    return "127.0.0.1" if bind_host in ("", "0.0.0.0", "::") else bind_host


def rasa_command(port: int, model: Path = DEFAULT_MODEL) -> list[str]:
    """No `--cors`: no browser calls Rasa (the widget goes through bot/web), so none may."""
    return [
        *rasa_cli("run"),
        "--model",
        str(model),
        "--endpoints",
        str(PROJECT_ROOT / "endpoints.yml"),
        "--credentials",
        str(PROJECT_ROOT / "credentials.yml"),
        "--interface",
        get_settings().bind_host,  # Rasa's own default is 0.0.0.0
        "--port",
        str(port),
    ]


def action_server_command(port: int) -> list[str]:
    """rasa-sdk's server behind our door (bot/action_server.py): BIND_HOST, secret, size limits."""
    return [
        str(APP_PYTHON),
        "-m",
        "bot.action_server",
        "--actions",
        "actions",
        "--port",
        str(port),
        "--host",
        get_settings().bind_host,
    ]


def app_command(module: str) -> list[str]:
    return [str(APP_PYTHON), "-m", module]


@dataclass
class Service:
    """A child process with a name and the URL that answers once it is ready."""

    name: str
    command: list[str]
    ready_url: str
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    log_path: Path | None = None
    process: subprocess.Popen | None = None

    def start(self) -> None:
        output = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        self.process = subprocess.Popen(
            self.command,
            cwd=PROJECT_ROOT,
            env=self.env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # so stopping it also stops anything it started
        )

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with code {self.process.returncode} while starting")
            try:
                if httpx.get(self.ready_url, timeout=2).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise TimeoutError(f"{self.name} was not ready at {self.ready_url} after {timeout:.0f}s")

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 15) -> None:
        stop_all([self], timeout)

    def _signal(self, sig: signal.Signals) -> None:
        try:
            os.killpg(self.process.pid, sig)
        except ProcessLookupError:
            pass  # already gone


def stop_all(services: list[Service], timeout: float = 15) -> None:
    """Ask every running service to stop at once, then kill what is still running after `timeout`.

    At once, not one after the other: on a busy machine each may need several seconds, and the
    person who pressed Ctrl-C should not wait for the sum."""
    running = [service for service in services if service.running()]
    for service in running:
        service._signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for service in running:
        try:
            service.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            service._signal(signal.SIGKILL)
            service.process.wait(timeout=5)


@dataclass(frozen=True)
class RunningAssistant:
    rest_url: str  # Rasa's REST channel
    channel_secret: str  # to send with every message (bot/shared_secrets.py)
    startup_seconds: float
    services: tuple[Service, ...] = ()  # Rasa and the action server (make bench reads their memory)
    database_url: str = ""


@contextmanager
def assistant_over_sqlite(workdir: Path) -> Iterator[RunningAssistant]:
    """The trained model, Rasa and the action server on free ports over SQLite files in `workdir`,
    with fresh secrets, as `make eval` and `make bench` measure them; stopped on exit."""
    from bot.db.migrate import upgrade_to_head
    from bot.shared_secrets import new_secrets

    database_url = f"sqlite:///{workdir}/intake.db"
    upgrade_to_head(database_url)
    action_port, rasa_port = free_port(), free_port()
    secrets = new_secrets()
    actions = Service(
        "action server",
        action_server_command(action_port),
        f"http://127.0.0.1:{action_port}/health",
        env=dict(os.environ, DATABASE_URL=database_url, **secrets),
        log_path=workdir / "actions.log",
    )
    rasa = Service(
        "Rasa",
        rasa_command(rasa_port),
        f"http://127.0.0.1:{rasa_port}/",
        env=rasa_environment(action_port, f"sqlite:///{workdir}/tracker.db", secrets),
        log_path=workdir / "rasa.log",
    )
    started = time.perf_counter()
    actions.start()
    rasa.start()
    try:
        actions.wait_ready(90)
        rasa.wait_ready(300)
        yield RunningAssistant(
            f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook",
            secrets["RASA_CHANNEL_SECRET"],
            time.perf_counter() - started,
            (rasa, actions),
            database_url,
        )
    finally:
        rasa.stop()
        actions.stop()
