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

from bot.settings import PROJECT_ROOT  # noqa: E402
from bot.shared_secrets import CHANNEL_HEADER  # noqa: E402
from bot.stack import assistant_over_sqlite  # noqa: E402

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


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


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
        f"| {kind} | {len(values)} | {statistics.median(values):.0f} | {p95(values):.0f} | {max(values):.0f} |"
        for kind, values in timings.items()
    ]
    worst_p95 = max(p95(values) for values in timings.values())
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
    with tempfile.TemporaryDirectory() as workdir, assistant_over_sqlite(Path(workdir)) as assistant:
        timings = measure(assistant.rest_url, assistant.channel_secret)
        startup_s = assistant.startup_seconds
    text = report(timings, startup_s)
    REPORT.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
