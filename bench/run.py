"""One benchmark run: the assistant and the stock bot side by side under the same loads, then the
assistant through the widget relay and the Telegram bridge; memory read after each load.

Every part is the real one, started as `make run` starts it (bot/stack.py), on its embedded
defaults (SQLite under a temporary folder). The only settings changed are the abuse limits, which
would otherwise refuse a benchmark's hundreds of patients arriving from one address.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import sqlalchemy as sa

from bench import stock_bot
from bench.channels import relay_channel, rest_channel, telegram_channel, telegram_stand_in
from bench.load import CLINIC_VISIT, FAQ_VISIT, Load, Result, run_load
from bot.settings import PROJECT_ROOT
from bot.shared_secrets import CHANNEL_HEADER
from bot.stack import Service, app_command, assistant_over_sqlite, free_port

# Everyone in a benchmark comes from 127.0.0.1: without these, the per-client limits would
# answer most of them with "please wait", which is what they are for, not what is measured.
UNLIMITED = {
    "CHAT_LIMIT_PER_CLIENT": "1000000",
    "CHAT_SESSION_LIMIT_PER_CLIENT": "1000000",
    "CHAT_LIMIT_PER_CONVERSATION": "1000000",
    "REQUEST_LIMIT_PER_CLIENT": "1000000",
}
BENCH_DIR = PROJECT_ROOT / "var" / "bench"


@dataclass(frozen=True)
class Plan:
    loads: tuple[Load, ...]  # both bots, over Rasa's REST channel
    by_kind: tuple[Load, ...]  # the assistant, one kind of message at a time
    correctness: Load  # the assistant, many chats at once: nothing lost or doubled
    channels: Load  # the assistant through the relay and through the Telegram bridge
    stock_config: str | None = None  # None: the stock bot's own config


FULL = Plan(
    loads=(
        Load(1, 0, 20),
        Load(10, 0, 25),
        Load(25, 0, 25),
        Load(50, 0, 25),
        Load(20, 2, 45),
    ),
    by_kind=(
        Load(25, 0, 20, mix=((FAQ_VISIT, 1),), label="FAQ answers only"),
        Load(25, 0, 20, mix=((CLINIC_VISIT, 1),), label="clinic answers only"),
    ),
    correctness=Load(100, 1, 40),
    channels=Load(20, 2, 45),
)


@dataclass
class Run:
    assistant: dict[str, Result] = field(default_factory=dict)  # load name -> result
    stock: dict[str, Result] = field(default_factory=dict)
    by_kind: dict[str, Result] = field(default_factory=dict)  # label -> result
    correctness: Result | None = None
    stored: dict[str, int] = field(default_factory=dict)  # "finished", "stored", "doubled"
    relay: Result | None = None
    relay_answers: dict[str, int] = field(default_factory=dict)  # "messages", "lost_or_doubled"
    telegram: Result | None = None
    memory: list[tuple[str, dict[str, float]]] = field(default_factory=list)  # (after what, part -> MiB)
    conversations: int = 0
    startup_seconds: float = 0.0


def rss_mib(pid: int) -> float:
    """Resident memory of a process and its children (Sanic or Rasa may fork), from /proc."""
    total = 0.0
    for child in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{child}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            pass
    return total


def _children(pid: int) -> list[int]:
    try:
        direct = [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []
    return [grandchild for child in direct for grandchild in [child, *_children(child)]]


def _drive(channel_factory: Callable, load: Load, prefix: str) -> Result:
    async def go() -> Result:
        limits = httpx.Limits(max_connections=load.users + 10, max_keepalive_connections=load.users + 10)
        async with httpx.AsyncClient(timeout=120, limits=limits) as client:
            return await run_load(channel_factory(client), load, prefix)

    return asyncio.run(go())


def _stored_requests(database_url: str, prefix: str) -> tuple[int, int]:
    """(requests stored for these conversations, conversations with more than one)."""
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            counts = connection.execute(
                sa.text(
                    "SELECT conversation_id, COUNT(*) FROM consultation_requests "
                    "WHERE conversation_id LIKE :prefix GROUP BY conversation_id"
                ),
                {"prefix": f"{prefix}%"},
            ).all()
    finally:
        engine.dispose()
    return sum(count for _, count in counts), sum(1 for _, count in counts if count > 1)


@contextmanager
def _unlimited() -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in UNLIMITED}
    os.environ.update(UNLIMITED)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run(plan: Plan = FULL, log: Callable[[str], None] = print) -> Run:
    result = Run()
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    stock = stock_bot.prepare(BENCH_DIR, plan.stock_config, log)
    with tempfile.TemporaryDirectory() as workdir, _unlimited(), assistant_over_sqlite(Path(workdir)) as assistant:
        result.startup_seconds = assistant.startup_seconds
        parts = {service.name: service for service in assistant.services}
        headers = {CHANNEL_HEADER: assistant.channel_secret}

        def memory(after: str, extra: dict[str, Service] | None = None) -> None:
            every = {**parts, **(extra or {})}
            result.memory.append((after, {name: rss_mib(s.process.pid) for name, s in every.items()}))

        memory("start-up")
        with stock_bot.serving(stock) as stock_url:
            for load in plan.loads:
                for name, url, extra, into in (
                    ("assistant", assistant.rest_url, headers, result.assistant),
                    ("stock bot", stock_url, {}, result.stock),
                ):
                    log(f"  {load.name:<26} {name} ...")
                    prefix = f"bench-{uuid.uuid4().hex[:6]}"
                    into[load.name] = _drive(lambda c, u=url, h=extra: rest_channel(c, u, h), load, prefix)
                    done = into[load.name]
                    log(f"    {done.throughput():.1f} msg/s, {len(done.errors)} errors")
                    if name == "assistant":
                        result.conversations += done.conversations
                memory(f"after {load.name}")

        for load in plan.by_kind:
            log(f"  {load.name:<26} assistant ...")
            result.by_kind[load.label] = _drive(
                lambda c: rest_channel(c, assistant.rest_url, headers), load, f"bench-{uuid.uuid4().hex[:6]}"
            )
            result.conversations += result.by_kind[load.label].conversations

        log(f"  {plan.correctness.name:<26} assistant, nothing lost or doubled ...")
        prefix = f"bench-{uuid.uuid4().hex[:6]}"
        result.correctness = _drive(lambda c: rest_channel(c, assistant.rest_url, headers), plan.correctness, prefix)
        stored, doubled = _stored_requests(assistant.database_url, prefix)
        result.stored = {"finished": result.correctness.intakes_finished, "stored": stored, "doubled": doubled}
        result.conversations += result.correctness.conversations
        memory(f"after {plan.correctness.name}")

        with _relay(assistant, Path(workdir)) as (relay_url, relay_service):
            log(f"  {plan.channels.name:<26} through the widget relay ...")
            counted: dict[str, dict[str, int]] = {}

            def relay_factory(client):
                channel, counted["answers"] = relay_channel(client, relay_url)
                return channel

            result.relay = _drive(relay_factory, plan.channels, f"bench-{uuid.uuid4().hex[:6]}")
            answers = counted["answers"]
            result.relay_answers = {
                "messages": len(answers),
                "lost_or_doubled": sum(1 for count in answers.values() if count != 1),
            }
            result.conversations += result.relay.conversations
            memory("after the relay load", {"widget relay": relay_service})

        with _bridge(assistant, Path(workdir)) as (api, bridge_service):
            log(f"  {plan.channels.name:<26} through the Telegram bridge ...")
            result.telegram = _drive(lambda c: telegram_channel(api), plan.channels, "tg")
            result.conversations += result.telegram.conversations
            memory("after the Telegram load", {"Telegram bridge": bridge_service})
    return result


def _app_env(assistant, workdir: Path, **extra: str) -> dict[str, str]:
    return dict(
        os.environ,
        RASA_URL=assistant.rest_url.split("/webhooks/")[0],
        RASA_CHANNEL_SECRET=assistant.channel_secret,
        VAR_DIR=str(workdir),
        APP_SECRET_KEY="bench-" + "k" * 40,
        **UNLIMITED,
        **extra,
    )


@contextmanager
def _relay(assistant, workdir: Path) -> Iterator[tuple[str, Service]]:
    port = free_port()
    relay = Service(
        "widget relay",
        app_command("bot.web"),
        f"http://127.0.0.1:{port}/healthz",
        env=_app_env(assistant, workdir, WEB_PORT=str(port)),
        log_path=workdir / "web.log",
    )
    relay.start()
    try:
        relay.wait_ready(60)
        yield f"http://127.0.0.1:{port}", relay
    finally:
        relay.stop()


@contextmanager
def _bridge(assistant, workdir: Path) -> Iterator[tuple[object, Service]]:
    api = telegram_stand_in()
    with api:
        bridge = Service(
            "Telegram bridge",
            app_command("bot.telegram"),
            "",
            env=_app_env(assistant, workdir, TELEGRAM_BOT_TOKEN=api.token, TELEGRAM_BASE_URL=api.base_url),
            log_path=workdir / "telegram.log",
        )
        bridge.start()
        try:
            deadline = time.monotonic() + 60
            while not api.calls_to("getUpdates"):  # polling: ready
                if time.monotonic() > deadline or not bridge.running():
                    raise RuntimeError("the Telegram bridge did not start polling (see its log)")
                time.sleep(0.2)
            yield api, bridge
        finally:
            bridge.stop()
