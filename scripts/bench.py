"""`make bench`: the assistant's speed under load beside a stock `rasa init` bot, in one run, written
to docs/benchmark.md with a plot (bench/). A report, not a test: it never fails because the machine
is busy; the benchmark's own tests (tests/integration/test_bench.py) run it on a tiny load.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import report  # noqa: E402
from bench.run import FULL, run  # noqa: E402
from bot.settings import PROJECT_ROOT  # noqa: E402

# What profiling found and what was done about it (bench/findings.md, written by hand).
FINDINGS = PROJECT_ROOT / "bench" / "findings.md"


def main() -> int:
    started = time.monotonic()
    print("Benchmark: the assistant and a stock Rasa bot under the same loads (about 10 minutes)...", flush=True)
    result = run(FULL, log=lambda line: print(line, flush=True))
    text = report.write(result, PROJECT_ROOT / "docs", FINDINGS.read_text(encoding="utf-8"))
    print(text)
    print(f"Wrote docs/benchmark.md in {time.monotonic() - started:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
