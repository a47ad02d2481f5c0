"""`make bench`: response latency of the real assistant (trained model + Rasa + action server),
measured over the REST channel and written to docs/benchmark.md. A report, not a test: it never
fails because the machine is busy.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.db.migrate import upgrade_to_head  # noqa: E402
from bot.settings import PROJECT_ROOT  # noqa: E402
from bot.shared_secrets import CHANNEL_HEADER, new_secrets  # noqa: E402
from bot.stack import Service, action_server_command, free_port, rasa_command, rasa_environment  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "20"))
REPORT = PROJECT_ROOT / "docs" / "benchmark.md"
KINDS = {
    "greeting (rule + session start)": "hello there",
    "FAQ (faq/<topic>)": "how long is the downtime",
    "clinic price (custom action)": "how much does it cost",
    "red flag (rule)": "my throat is swelling and I can't breathe",
    "out of scope (fallback)": "what's the weather tomorrow",
}
TARGET_P95_MS = 1000


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def measure(url: str, channel_secret: str) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {kind: [] for kind in KINDS}
    timings["intake turn (form validation)"] = []
    with httpx.Client(timeout=60, headers={CHANNEL_HEADER: channel_secret}) as client:
        for round_number in range(ROUNDS):
            for kind, text in KINDS.items():
                started = time.perf_counter()
                client.post(url, json={"sender": f"bench-{kind}-{round_number}", "message": text}).raise_for_status()
                timings[kind].append((time.perf_counter() - started) * 1000)
            sender = f"bench-intake-{round_number}"
            client.post(url, json={"sender": sender, "message": "I'd like to book a consultation"})
            started = time.perf_counter()
            client.post(url, json={"sender": sender, "message": "yes"}).raise_for_status()
            timings["intake turn (form validation)"].append((time.perf_counter() - started) * 1000)
    return timings


def report(timings: dict[str, list[float]], startup_s: float) -> str:
    rows = [
        f"| {kind} | {len(values)} | {statistics.median(values):.0f} | {percentile(values, 0.95):.0f} | "
        f"{max(values):.0f} |"
        for kind, values in timings.items()
    ]
    worst_p95 = max(percentile(values, 0.95) for values in timings.values())
    verdict = "meets" if worst_p95 <= TARGET_P95_MS else "misses"
    return "\n".join(
        [
            "# Response latency",
            "",
            f"Written by `make bench` on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
            f"{os.cpu_count()} cores. Each message goes through Rasa's REST channel to the trained model and, where "
            "the answer needs it, the action server; new conversations each time (so the session-start action runs).",
            "",
            "| message kind | n | median ms | p95 ms | max ms |",
            "| --- | --- | --- | --- | --- |",
            *rows,
            "",
            f"Target: p95 under {TARGET_P95_MS} ms for every kind; this run {verdict} it (worst p95 {worst_p95:.0f} ms).",
            f"Start-up of Rasa with the model and the action server: {startup_s:.0f} s.",
            "",
        ]
    )


def main() -> int:
    with tempfile.TemporaryDirectory() as workdir:
        database_url = f"sqlite:///{workdir}/intake.db"
        upgrade_to_head(database_url)
        action_port, rasa_port = free_port(), free_port()
        secrets = new_secrets()
        actions = Service(
            "action server",
            action_server_command(action_port),
            f"http://127.0.0.1:{action_port}/health",
            env=dict(os.environ, DATABASE_URL=database_url, **secrets),
            log_path=Path(workdir) / "actions.log",
        )
        rasa = Service(
            "Rasa",
            rasa_command(rasa_port),
            f"http://127.0.0.1:{rasa_port}/",
            env=rasa_environment(action_port, f"sqlite:///{workdir}/tracker.db", secrets),
            log_path=Path(workdir) / "rasa.log",
        )
        started = time.perf_counter()
        actions.start()
        rasa.start()
        try:
            actions.wait_ready(90)
            rasa.wait_ready(300)
            startup_s = time.perf_counter() - started
            timings = measure(f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook", secrets["RASA_CHANNEL_SECRET"])
        finally:
            rasa.stop()
            actions.stop()
    text = report(timings, startup_s)
    REPORT.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
