"""Draws p50 and p95 against concurrency for both bots (run by bench/report.py in .venv-rasa, which
has matplotlib; the application environment does not). Reads {bot: [[users, p50, p95], ...]} as
JSON on stdin and writes the PNG named on the command line."""

import json
import sys

import matplotlib

matplotlib.use("Agg")  # no screen
import matplotlib.pyplot as plt  # noqa: E402


def main() -> None:
    series = json.load(sys.stdin)
    figure, axes = plt.subplots(figsize=(7, 4), dpi=110)
    for (bot, points), colour in zip(series.items(), ("#8a8a8a", "#0f5c63")):
        users = [p[0] for p in points]
        axes.plot(users, [p[1] for p in points], "o--", color=colour, label=f"{bot} p50")
        axes.plot(users, [p[2] for p in points], "o-", color=colour, label=f"{bot} p95")
    axes.set_xlabel("concurrent chats, back to back")
    axes.set_ylabel("latency (ms)")
    axes.set_title("Latency against concurrency (one run, same machine)")
    axes.grid(alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(sys.argv[1])


if __name__ == "__main__":
    main()
