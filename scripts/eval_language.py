"""Measure the language detectors on patients' short messages and print the figures.

    .venv-app/bin/python scripts/eval_language.py [--lingua-threshold 0.9]

English: the held-out NLU sets (tests/nlu/heldout*.yml, never used to write the word lists) and
the short intake replies of tests/language/samples.yml; Spanish: that file's `spanish` messages
(written before the word lists) and `spanish_fresh` (written after them, never used to tune).
Two detectors, English and Spanish only:
- rules: bot.language.detect (letters only Spanish has, apostrophes, frequent words);
- lingua: lingua-language-detector, when it is installed (it is not part of requirements/app.txt),
  restricted to English and Spanish with preloaded models; it answers when its confidence in the
  best language reaches the threshold, else it leaves the choice to the hint as `detect` does.
For each: right, wrong and undecided per set; what the patient gets when the page's hint is the
other language (undecided then means the wrong language); time per message and start-up.
A report, not a test: it exits 0 whatever the figures.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.language import ENGLISH, SPANISH, detect  # noqa: E402

HELDOUT = sorted((ROOT / "tests" / "nlu").glob("heldout*.yml"))
SAMPLES = ROOT / "tests" / "language" / "samples.yml"
Detector = Callable[[str], "str | None"]


def load_sets() -> list[tuple[str, str, list[str]]]:
    """(name, language, messages) for every set."""
    sets = [
        (path.name, ENGLISH, [item["text"] for item in yaml.safe_load(path.read_text("utf-8"))]) for path in HELDOUT
    ]
    samples = yaml.safe_load(SAMPLES.read_text("utf-8"))
    sets.append(("samples: english_short", ENGLISH, samples["english_short"]))
    sets.append(("samples: spanish", SPANISH, samples["spanish"]))
    if "spanish_fresh" in samples:
        sets.append(("samples: spanish_fresh", SPANISH, samples["spanish_fresh"]))
    return sets


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def lingua_detector(threshold: float) -> tuple[Detector | None, str]:
    try:
        from lingua import Language, LanguageDetectorBuilder
    except ImportError:
        return None, "not installed (pip install lingua-language-detector to compare)"
    before, started = rss_mib(), time.perf_counter()
    built = (
        LanguageDetectorBuilder.from_languages(Language.ENGLISH, Language.SPANISH)
        .with_preloaded_language_models()
        .build()
    )
    seconds, grown = time.perf_counter() - started, rss_mib() - before
    codes = {Language.ENGLISH: ENGLISH, Language.SPANISH: SPANISH}

    def lingua(text: str) -> str | None:
        values = built.compute_language_confidence_values(text)
        best = values[0] if values else None
        return codes[best.language] if best is not None and best.value >= threshold else None

    import lingua as package

    size = sum(f.stat().st_size for f in Path(package.__file__).parent.rglob("*") if f.is_file()) / 2**20
    return lingua, f"start-up {seconds:.2f} s, +{grown:.0f} MiB resident, package {size:.0f} MiB on disk"


def measure(name: str, decide: Detector, sets: list[tuple[str, str, list[str]]]) -> None:
    print(f"\n{name}")
    print(f"  {'set':<28} {'n':>5} {'right':>7} {'wrong':>7} {'undecided':>10}   with a hint: same  other")
    times: list[float] = []
    totals = {ENGLISH: [0, 0, 0, 0], SPANISH: [0, 0, 0, 0]}
    mistakes: list[str] = []
    for label, language, messages in sets:
        right = wrong = undecided = 0
        for text in messages:
            started = time.perf_counter()
            found = decide(text)
            times.append(time.perf_counter() - started)
            if found == language:
                right += 1
            elif found is None:
                undecided += 1
            else:
                wrong += 1
                mistakes.append(f"{language} read as {found}: {text[:70]!r}")
        n = len(messages)
        for index, value in enumerate((n, right, wrong, undecided)):
            totals[language][index] += value
        # What the patient gets with conversation_language: undecided takes the hint, which may be
        # their language (the page's) or the other one (an English page, a Spanish speaker).
        print(
            f"  {label:<28} {n:>5} {right / n:>7.1%} {wrong / n:>7.1%} {undecided / n:>10.1%}"
            f"   {(right + undecided) / n:>17.1%} {right / n:>6.1%}"
        )
    for language, (n, right, wrong, undecided) in totals.items():
        print(f"  {'all ' + language:<28} {n:>5} {right / n:>7.1%} {wrong / n:>7.1%} {undecided / n:>10.1%}")
    micro = [t * 1e6 for t in times]
    print(
        f"  time per message: median {statistics.median(micro):.0f} µs, "
        f"99th percentile {statistics.quantiles(micro, n=100)[98]:.0f} µs, max {max(micro):.0f} µs"
    )
    for line in mistakes[:25]:
        print(f"    {line}")
    if len(mistakes) > 25:
        print(f"    ... and {len(mistakes) - 25} more")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lingua-threshold", type=float, default=0.9, help="lingua's confidence to decide")
    args = parser.parse_args()
    sets = load_sets()
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cores; {sum(len(m) for _, _, m in sets)} messages")
    measure("rules (bot.language.detect)", detect, sets)
    lingua, about = lingua_detector(args.lingua_threshold)
    print(f"\nlingua: {about}")
    if lingua is not None:
        measure(f"lingua, confidence >= {args.lingua_threshold}", lingua, sets)
        measure("lingua, always its best guess", lingua_detector(0.0)[0], sets)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
