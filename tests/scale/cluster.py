"""Every part of the assistant twice, on PostgreSQL and Redis, behind a real HAProxy: the layout of
compose.yaml and the Kubernetes manifests, on this machine, started with the very commands of the
images (bot/stack.py builds both).

Each replica gets its own VAR_DIR, so nothing is shared through files: only through PostgreSQL,
Redis and the settings every replica is given (secrets and keys from the environment, as a
deployment gives them).
"""

from __future__ import annotations

import base64
import os
import secrets
import shutil
import signal
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from bot.settings import PROJECT_ROOT
from bot.shared_secrets import new_secrets
from bot.stack import APP_PYTHON, Service, action_server_command, app_command, free_port, rasa_command, stop_all
from bot.stack import rasa_environment as rasa_side_environment
from tests.fakes.telegram_api import TOKEN, TelegramApiStandIn

HAPROXY_CONFIG = PROJECT_ROOT / "deploy" / "haproxy" / "haproxy.cfg"
WEBHOOK_PATH = "/telegram/updates"
WEBHOOK_SECRET = "scale-test-webhook-secret"
# 50 patients come from one address here: the per-client limits would stop them (they are tested
# on their own elsewhere); the per-conversation ones stay.
NO_CLIENT_LIMITS = {
    "CHAT_LIMIT_PER_CLIENT": "1000000",
    "CHAT_SESSION_LIMIT_PER_CLIENT": "1000000",
    "REQUEST_LIMIT_PER_CLIENT": "1000000",
}
REPLICATED = ("rasa", "actions", "web", "dashboard", "telegram")


def haproxy_binary() -> str | None:
    return shutil.which("haproxy") or next((p for p in ("/usr/sbin/haproxy",) if Path(p).exists()), None)


def _create_database(server_url: str, name: str) -> str:
    engine = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def _drop_database(server_url: str, name: str) -> None:
    engine = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@dataclass
class Cluster:
    workdir: Path
    postgres_url: str  # a server we may create databases on
    redis_host: str
    redis_port: int
    stand_in: TelegramApiStandIn
    ports: dict[str, int] = field(default_factory=dict)
    services: dict[str, Service] = field(default_factory=dict)
    databases: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        suffix = uuid.uuid4().hex[:8]
        self.intake_db = f"scale_intake_{suffix}"
        self.tracker_db = f"scale_tracker_{suffix}"
        self.secrets = {
            **new_secrets(),
            "APP_SECRET_KEY": secrets.token_urlsafe(48),
            # A Fernet key is 32 random bytes in URL-safe base64 (this environment has no cryptography).
            "TRACKER_ENCRYPTION_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
            "DASHBOARD_SECRET_KEY": secrets.token_urlsafe(48),
        }
        for part in REPLICATED:
            self.ports[f"lb_{part}"] = free_port()
            for replica in (1, 2):
                self.ports[f"{part}{replica}"] = free_port()

    # --- where things are -------------------------------------------------------------------
    def lb_url(self, part: str) -> str:
        return f"http://127.0.0.1:{self.ports[f'lb_{part}']}"

    def replica_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    @property
    def database_url(self) -> str:
        return self._url(self.intake_db, "postgresql+psycopg")

    def _url(self, database: str, driver: str) -> str:
        url = make_url(self.postgres_url).set(database=database, drivername=driver)
        return url.render_as_string(hide_password=False)

    # --- environments -----------------------------------------------------------------------
    def _common(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
        env.update(self.secrets)
        env.update(NO_CLIENT_LIMITS)
        env.update(
            DATABASE_URL=self.database_url,
            TRACKER_STORE_URL=self._url(self.tracker_db, "postgresql"),
            LOCK_STORE_TYPE="redis",
            REDIS_HOST=self.redis_host,
            REDIS_PORT=str(self.redis_port),
            REDIS_DB="13",
            STATE_REDIS_URL=f"redis://{self.redis_host}:{self.redis_port}/14",
            RASA_URL=self.lb_url("rasa"),
            ACTION_ENDPOINT_URL=f"{self.lb_url('actions')}/webhook",
            LOG_FORMAT="json",
            WEB_TRUSTED_PROXY_HOPS="1",
            DASHBOARD_TRUSTED_PROXY_HOPS="1",
            DASHBOARD_PLAIN_HTTP="1",
            SITE_ORIGINS=self.lb_url("web"),
        )
        return env

    def _replica_env(self, name: str, **extra: str) -> dict[str, str]:
        var_dir = self.workdir / name
        var_dir.mkdir(parents=True, exist_ok=True)
        return {**self._common(), "VAR_DIR": str(var_dir), "LOG_PART": name, **extra}

    def _haproxy_env(self) -> dict[str, str]:
        env = dict(os.environ)
        for part in REPLICATED:
            env[f"LB_{part.upper()}_BIND"] = f"127.0.0.1:{self.ports[f'lb_{part}']}"
            for replica in (1, 2):
                env[f"{part.upper()}_{replica}"] = f"127.0.0.1:{self.ports[f'{part}{replica}']}"
        return env

    # --- the processes ----------------------------------------------------------------------
    def _plan(self) -> dict[str, Service]:
        logs = self.workdir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        plan: dict[str, Service] = {}
        for replica in (1, 2):
            name = f"actions{replica}"
            port = self.ports[name]
            plan[name] = Service(
                name, action_server_command(port), f"{self.replica_url(name)}/healthz",
                env=self._replica_env(name), log_path=logs / f"{name}.log",
            )  # fmt: skip
            name = f"rasa{replica}"
            port = self.ports[name]
            env = self._replica_env(name)
            rasa_env = rasa_side_environment(0, env["TRACKER_STORE_URL"], env)
            plan[name] = Service(
                name, rasa_command(port), f"{self.replica_url(name)}/webhooks/rest/healthz",
                env=rasa_env, log_path=logs / f"{name}.log",
            )  # fmt: skip
        for replica in (1, 2):
            name = f"web{replica}"
            plan[name] = Service(
                name, app_command("bot.web"), f"{self.replica_url(name)}/healthz",
                env=self._replica_env(name, WEB_PORT=str(self.ports[name])), log_path=logs / f"{name}.log",
            )  # fmt: skip
            name = f"dashboard{replica}"
            plan[name] = Service(
                name, app_command("bot.dashboard"), f"{self.replica_url(name)}/healthz",
                env=self._replica_env(name, DASHBOARD_PORT=str(self.ports[name])), log_path=logs / f"{name}.log",
            )  # fmt: skip
            name = f"telegram{replica}"
            telegram = {
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_BASE_URL": self.stand_in.base_url,
                "TELEGRAM_WEBHOOK_URL": f"{self.lb_url('telegram')}{WEBHOOK_PATH}",
                "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
                "TELEGRAM_WEBHOOK_PORT": str(self.ports[name]),
            }
            plan[name] = Service(
                name, app_command("bot.telegram"), f"{self.replica_url(name)}/healthz",
                env=self._replica_env(name, **telegram), log_path=logs / f"{name}.log",
            )  # fmt: skip
        plan["haproxy"] = Service(
            "haproxy",
            [haproxy_binary() or "haproxy", "-db", "-f", str(HAPROXY_CONFIG)],
            f"{self.lb_url('rasa')}/webhooks/rest/",
            env=self._haproxy_env(),
            log_path=logs / "haproxy.log",
        )
        return plan

    def start(self) -> None:
        for name in (self.intake_db, self.tracker_db):
            _create_database(self.postgres_url, name)
            self.databases.append(name)
        self.services = self._plan()
        # The deployments' one-off step before the replicas start (bot/db/migrate.py).
        subprocess.run(
            [str(APP_PYTHON), "-m", "bot.db.migrate"],
            env=self._replica_env("migrate"), check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        first = ["haproxy", "actions1", "actions2", "rasa1", "rasa2"]
        then = ["web1", "web2", "dashboard1", "dashboard2", "telegram1", "telegram2"]
        for wave in (first, then):
            for name in wave:
                self.services[name].start()
            for name in wave:
                self.services[name].wait_ready(300 if name.startswith("rasa") else 90)
        self.wait_balanced()

    def wait_balanced(self, timeout: float = 60) -> None:
        """Until HAProxy's own health checks see every replica up (they run every second)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(self.up_in_balancer(name) for name in self.services if name != "haproxy"):
                time.sleep(3)  # HAProxy counts a server up after two passed checks a second apart
                return
            time.sleep(0.5)
        raise TimeoutError("HAProxy does not see every replica as up")

    def up_in_balancer(self, name: str) -> bool:
        """Whether this replica answers its readiness check now (what HAProxy asks every second)."""
        try:
            return httpx.get(self.services[name].ready_url, timeout=3).status_code == 200
        except httpx.HTTPError:
            return False

    def kill(self, name: str) -> None:
        """As a crash: SIGKILL, no chance to finish anything."""
        service = self.services[name]
        service._signal(signal.SIGKILL)
        service.process.wait(timeout=10)

    def restart(self, name: str, timeout: float = 300) -> None:
        service = self.services[name]
        service.start()
        service.wait_ready(timeout)

    def log(self, name: str) -> str:
        path = self.services[name].log_path
        return path.read_text(encoding="utf-8", errors="replace") if path and path.exists() else ""

    def stop(self) -> None:
        stop_all(list(self.services.values()))
        for name in self.databases:
            _drop_database(self.postgres_url, name)
