"""docs/benchmark.md from one run: figures side by side, ratios to the stock bot, the targets met or
not, memory; and the plot of p50/p95 against concurrency (drawn by bench/plot.py in .venv-rasa,
which has matplotlib)."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from datetime import datetime, timezone
from pathlib import Path

from bench.load import CLINIC, FAQ, INTAKE, Result, percentile
from bench.run import Run
from bot.stack import RASA_BIN

PLOT = "benchmark-latency.png"


def _ms(result: Result, fraction: float, kind: str | None = None) -> float:
    values = result.all_latencies() if kind is None else result.latencies.get(kind, [])
    return percentile(values, fraction)


def _row(name: str, ours: Result, stock: Result | None) -> str:
    cells = [name]
    if stock is not None:
        cells += [f"{stock.throughput():.1f}", f"{_ms(stock, 0.5):.0f}", f"{_ms(stock, 0.95):.0f}"]
    cells += [f"{ours.throughput():.1f}", f"{_ms(ours, 0.5):.0f}", f"{_ms(ours, 0.95):.0f}"]
    if stock is not None:
        cells += [
            f"{ours.throughput() / stock.throughput():.2f}",
            f"{_ms(ours, 0.95) / _ms(stock, 0.95):.2f}",
        ]
    cells.append(str(len(ours.errors)))
    return "| " + " | ".join(cells) + " |"


def _saturation(results: dict[str, Result]) -> Result:
    """The back-to-back load with the most messages per second."""
    back_to_back = [r for r in results.values() if not r.load.think_seconds]
    return max(back_to_back, key=lambda r: r.throughput())


def targets(run: Run) -> list[tuple[str, bool, str]]:
    """(target, met, the figures)."""
    ours, stock = _saturation(run.assistant), _saturation(run.stock)
    think = next(name for name, r in run.assistant.items() if r.load.think_seconds)  # patients who read and type
    p95, stock_p95 = _ms(run.assistant[think], 0.95), _ms(run.stock[think], 0.95)
    faq, clinic = run.by_kind["FAQ answers only"], run.by_kind["clinic answers only"]
    correct = run.correctness
    lost = correct.intakes_finished - run.stored["stored"]
    return [
        (
            "saturation throughput of the whole mix at least the stock bot's",
            ours.throughput() >= stock.throughput(),
            f"{ours.throughput():.1f} vs {stock.throughput():.1f} msg/s (ratio {ours.throughput() / stock.throughput():.2f})",
        ),
        (
            f"p95 at {think} at most 500 ms",
            p95 <= 500,
            f"{p95:.0f} ms",
        ),
        (
            "... and at most 1.2 times the stock bot's",
            p95 <= 1.2 * stock_p95,
            f"{p95:.0f} vs {stock_p95:.0f} ms (ratio {p95 / stock_p95:.2f})",
        ),
        (
            "custom-action answers at least 0.8 times the throughput of FAQ answers",
            clinic.throughput() >= 0.8 * faq.throughput(),
            f"{clinic.throughput():.1f} vs {faq.throughput():.1f} msg/s (ratio {clinic.throughput() / faq.throughput():.2f})",
        ),
        (
            f"0 errors and 0 lost or duplicated messages at {correct.load.users} concurrent chats",
            not correct.errors
            and lost == 0
            and run.stored["doubled"] == 0
            and not run.relay_answers["lost_or_doubled"],
            f"{len(correct.errors)} errors; {correct.intakes_finished} intakes finished, {run.stored['stored']} stored, "
            f"{run.stored['doubled']} stored twice; relay: {run.relay_answers['lost_or_doubled']} of "
            f"{run.relay_answers['messages']} messages not answered exactly once",
        ),
    ]


def write(run: Run, docs: Path, findings: str) -> str:
    """Writes docs/benchmark.md and the plot; returns the markdown."""
    plot_ok = _plot(run, docs / PLOT)
    names = list(run.assistant)
    lines = [
        "# Speed under load",
        "",
        f"Written by `make bench` on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
        f"{os.cpu_count()} cores, the load generator on the same machine. **The assistant**: the trained model, "
        "Rasa, the action server, SQLite tracker store and intake database, everything a clinic runs (encrypted "
        "tracker, log privacy rules, shared secrets). **The stock bot**: `rasa init`'s project trained and served "
        "from the same Rasa environment (in-memory tracker, no custom actions). Both are driven in the same run by "
        "closed-loop virtual patients, each in conversations of its own, with the same mix of messages "
        "(conversations of 3 FAQ questions : 3 clinic questions : a 15-message intake = 5 : 3 : 2), over Rasa's "
        "REST channel. The machine is shared and noisy: compare the ratios, not the absolute times.",
        "",
        "## Both bots, the same loads",
        "",
        "| load | stock msg/s | stock p50 ms | stock p95 ms | assistant msg/s | p50 ms | p95 ms | "
        "throughput ratio | p95 ratio | errors |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        *(_row(name, run.assistant[name], run.stock[name]) for name in names),
        "",
        *([f"![p50 and p95 against concurrency]({PLOT})", ""] if plot_ok else []),
        "## By kind of message",
        "",
        "Single messages (1 chat, back to back, from the first load above):",
        "",
        "| kind | n | p50 ms | p95 ms |",
        "| --- | --- | --- | --- |",
        *(
            f"| {kind} | {len(run.assistant[names[0]].latencies.get(kind, []))} | "
            f"{_ms(run.assistant[names[0]], 0.5, kind):.0f} | {_ms(run.assistant[names[0]], 0.95, kind):.0f} |"
            for kind in (FAQ, CLINIC, INTAKE)
        ),
        "",
        "One kind at a time, saturated:",
        "",
        "| load | msg/s | p50 ms | p95 ms | errors |",
        "| --- | --- | --- | --- | --- |",
        *(_row(result.load.name, result, None) for result in run.by_kind.values()),
        "",
        "## Through the widget relay and the Telegram bridge",
        "",
        "The same patients through the real relay (`/api/session`, `/api/chat` with message ids) and the real "
        "Telegram bridge polling the Bot API stand-in of the tests (latency: until the first message arrives).",
        "",
        "| path | msg/s | p50 ms | p95 ms | errors |",
        "| --- | --- | --- | --- | --- |",
        _row(f"REST directly, {run.relay.load.name}", run.assistant[_same_load(run, run.relay)], None),
        _row("widget relay", run.relay, None),
        _row("Telegram bridge", run.telegram, None),
        "",
        "## Targets",
        "",
        "| target | met | figures |",
        "| --- | --- | --- |",
        *(f"| {text} | {'yes' if met else '**no**'} | {figures} |" for text, met, figures in targets(run)),
        "",
        "## Memory",
        "",
        f"Resident size (MiB) of each process, after {run.conversations:,} conversations in all:",
        "",
        _memory_table(run),
        "",
        "## Where the time goes",
        "",
        findings.strip(),
        "",
        f"Start-up of Rasa with the model and the action server: {run.startup_seconds:.0f} s.",
        "",
    ]
    text = "\n".join(lines)
    (docs / "benchmark.md").write_text(text, encoding="utf-8")
    return text


def _same_load(run: Run, result: Result) -> str:
    return next(
        name
        for name, r in run.assistant.items()
        if (r.load.users, r.load.think_seconds) == (result.load.users, result.load.think_seconds)
    )


def _memory_table(run: Run) -> str:
    parts = sorted({part for _, sizes in run.memory for part in sizes})
    rows = ["| after | " + " | ".join(parts) + " |", "| --- |" + " --- |" * len(parts)]
    for after, sizes in run.memory:
        rows.append(f"| {after} | " + " | ".join(f"{sizes[p]:.0f}" if p in sizes else "" for p in parts) + " |")
    return "\n".join(rows)


def _plot(run: Run, path: Path) -> bool:
    series = {}
    for bot, results in (("stock bot", run.stock), ("assistant", run.assistant)):
        points = sorted((r.load.users, _ms(r, 0.5), _ms(r, 0.95)) for r in results.values() if not r.load.think_seconds)
        series[bot] = points
    script = Path(__file__).with_name("plot.py")
    done = subprocess.run(
        [str(RASA_BIN.parent / "python"), str(script), str(path)],
        input=json.dumps(series),
        text=True,
        capture_output=True,
        timeout=120,
    )
    return done.returncode == 0
