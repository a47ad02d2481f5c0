"""Fixtures shared by the whole suite.

- `rasa_stack`: the trained model served by a real Rasa, with the real action server, on free
  ports, over a temporary intake database and tracker store (one per test session).
- `postgres_url` / `redis_url`: the local services; absent -> skip with the reason, unless
  REQUIRE_SERVICES=1 (as in CI), where absence is a failure.
"""

from __future__ import annotations

import os
import socket
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from bot.shared_secrets import CHANNEL_HEADER, new_secrets
from bot.stack import (
    APP_PYTHON,
    DEFAULT_MODEL,
    Service,
    action_server_command,
    free_port,
    rasa_command,
    rasa_environment,
)

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _service_missing(name: str, host: str, port: int) -> None:
    reason = f"{name} is not reachable at {host}:{port}"
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason}, and REQUIRE_SERVICES=1 makes it required")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """A PostgreSQL database URL; each test should use its own schema or clean up its rows."""
    if not _reachable("127.0.0.1", 5432):
        _service_missing("PostgreSQL", "127.0.0.1", 5432)
    return POSTGRES_URL


@pytest.fixture
def fresh_postgres_url(postgres_url: str) -> str:
    """A PostgreSQL URL whose tables live in a new schema, dropped after the test."""
    import sqlalchemy as sa

    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(postgres_url)
    with engine.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    yield f"{postgres_url}?options=-csearch_path%3D{schema}"
    with engine.begin() as connection:
        connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture(scope="session")
def redis_url() -> str:
    if not _reachable(REDIS_HOST, REDIS_PORT):
        _service_missing("Redis", REDIS_HOST, REDIS_PORT)
    return f"redis://{REDIS_HOST}:{REDIS_PORT}/15"


@dataclass
class RasaStack:
    rasa: Service
    actions: Service
    rasa_url: str
    action_url: str
    database_url: str
    tracker_store_url: str
    secrets: dict[str, str]  # this stack's own RASA_CHANNEL_SECRET and ACTION_SERVER_SECRET
    database_proxy: object = None

    @property
    def channel_secret(self) -> str:
        return self.secrets["RASA_CHANNEL_SECRET"]

    def send(self, sender: str, text: str, metadata: dict | None = None, message_id: str | None = None) -> list[dict]:
        """One patient message through Rasa's REST channel, as our bridges send it (with the channel
        secret, and the relay's metadata and the message's id when given); returns the bot's messages."""
        body = {"sender": sender, "message": text, **({"metadata": metadata} if metadata else {})}
        if message_id:
            body["message_id"] = message_id
        response = httpx.post(
            f"{self.rasa_url}/webhooks/rest/webhook",
            json=body,
            headers={CHANNEL_HEADER: self.channel_secret},
            timeout=60,
        )
        response.raise_for_status()
        return response.json()

    def texts(self, sender: str, text: str) -> list[str]:
        """The texts the patient sees (a custom payload such as the forget marker has none)."""
        return [message["text"] for message in self.send(sender, text) if message.get("text")]

    def stop(self) -> None:
        self.rasa.stop()
        self.actions.stop()

    def export(self, fmt: str = "json") -> str:
        """`make export`'s output for this stack's database."""
        result = subprocess.run(
            [str(APP_PYTHON), "-m", "bot.export", "--format", fmt, "--database-url", self.database_url],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return result.stdout

    def restart_rasa(self) -> None:
        self.rasa.stop()
        self.rasa.start()
        self.rasa.wait_ready(timeout=180)


def start_stack(
    workdir: Path, database_url: str, tracker_store_url: str | None = None, rasa_env: dict[str, str] | None = None
) -> RasaStack:
    """Starts the real action server and Rasa (trained model) over the given intake database."""
    if not DEFAULT_MODEL.exists():
        pytest.fail(f"no trained model at {DEFAULT_MODEL}: run `make train` (make test does it first)")
    tracker_store_url = tracker_store_url or f"sqlite:///{workdir / 'tracker.db'}"
    _prepare_database(database_url)
    action_port, rasa_port = free_port(), free_port()
    secrets = new_secrets()  # per stack, as `make run` passes its own to every part
    app_env = dict(os.environ, DATABASE_URL=database_url, VAR_DIR=str(workdir), **secrets)
    for variable in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_STAFF_CHAT_ID"):
        app_env.pop(variable, None)
    actions = Service(
        "action server",
        action_server_command(action_port),
        f"http://127.0.0.1:{action_port}/health",
        env=app_env,
        log_path=workdir / "actions.log",
    )
    rasa = Service(
        "Rasa",
        rasa_command(rasa_port),
        f"http://127.0.0.1:{rasa_port}/",
        env=rasa_environment(
            action_port,
            tracker_store_url,
            {"TRACKER_KEY_FILE": str(workdir / "tracker.key"), **secrets, **(rasa_env or {})},
        ),
        log_path=workdir / "rasa.log",
    )
    actions.start()
    rasa.start()
    try:
        actions.wait_ready(timeout=90)
        rasa.wait_ready(timeout=240)
    except Exception:
        rasa.stop()
        actions.stop()
        raise
    return RasaStack(
        rasa=rasa,
        actions=actions,
        rasa_url=f"http://127.0.0.1:{rasa_port}",
        action_url=f"http://127.0.0.1:{action_port}/webhook",
        database_url=database_url,
        tracker_store_url=tracker_store_url,
        secrets=secrets,
    )


@pytest.fixture(scope="session")
def rasa_stack(tmp_path_factory: pytest.TempPathFactory) -> RasaStack:
    """The assistant over a temporary SQLite intake database (the local default)."""
    workdir = tmp_path_factory.mktemp("rasa_stack")
    stack = start_stack(workdir, f"sqlite:///{workdir / 'intake.db'}")
    yield stack
    stack.stop()


@pytest.fixture(scope="session")
def postgres_stack(tmp_path_factory: pytest.TempPathFactory, postgres_url: str) -> RasaStack:
    """The assistant over PostgreSQL reached through a proxy the test can cut (`stack.database_proxy`)."""
    import sqlalchemy as sa

    from tests.support.tcp_proxy import TcpProxy

    schema = f"stack_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(postgres_url)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    proxy = TcpProxy("127.0.0.1", 5432)
    url = sa.engine.make_url(postgres_url).set(port=proxy.port)
    database_url = f"{url.render_as_string(hide_password=False)}?options=-csearch_path%3D{schema}&connect_timeout=3"
    stack = start_stack(tmp_path_factory.mktemp("postgres_stack"), database_url)
    stack.database_proxy = proxy
    yield stack
    stack.stop()
    proxy.close()
    with admin.begin() as connection:
        connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _prepare_database(database_url: str) -> None:
    """Creates the intake schema through the same migrations production uses."""
    from bot.db.migrate import upgrade_to_head

    upgrade_to_head(database_url)


CHROMIUM = Path("/usr/bin/chromium")
# As this machine's network needs: no background connections, no sandbox as root, no GPU.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    playwright_sync = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        if REQUIRE_SERVICES:
            pytest.fail("Debian's chromium is required: apt-get install -y chromium")
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    with playwright_sync.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def stand_in():
    """The local stand-in for Telegram's Bot API (tests/fakes/telegram_api.py), one per test module."""
    from tests.fakes.telegram_api import TelegramApiStandIn

    with TelegramApiStandIn() as api:
        yield api


@pytest.fixture(params=["memory", "redis"])
def two_replicas_state(request):
    """The shared state of two replicas (bot/shared_state.py): one object in memory, or two
    clients of one real Redis database, flushed afterwards."""
    from bot.shared_state import MemoryState, RedisState

    if request.param == "memory":
        state = MemoryState()
        yield state, state
        return
    url = request.getfixturevalue("redis_url")
    yield RedisState(url, b"r" * 32), RedisState(url, b"r" * 32)
    import redis

    redis.Redis.from_url(url).flushdb()


@pytest.fixture
def sender_id() -> str:
    """A new conversation id, so tests never share a tracker."""
    return f"test-{uuid.uuid4().hex[:10]}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Tests under tests/integration start real processes: mark them so `-m "not integration"` is quick.
    for item in items:
        if Path(str(item.fspath)).parts[-2:-1] == ("integration",):
            item.add_marker(pytest.mark.integration)
