"""Measure NLU quality on the held-out set and rewrite docs/nlu-evaluation.md (`make eval`).

Runs in the Rasa environment (.venv-rasa, Rasa 3.6). For the shipped config.yml and every
alternative in eval/configs/*.yml it trains the real assistant (full domain, all of data/) into a
temporary directory, parses every held-out message, maps the prediction to a topic and reports:
per-topic accuracy, in-scope accuracy, how many out-of-scope messages reach fallback, and how many
in-scope messages wrongly reach fallback. It is a report, not a test: it exits 0 whatever the
figures are, and non-zero only when it cannot run (missing files, a failed training).

    .venv-rasa/bin/python scripts/eval_nlu.py [--only config.yml] [--report docs/nlu-evaluation.md]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import datetime
import logging
import os
import platform
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

# Rasa must not phone home, and TensorFlow's start-up chatter hides the report.
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")

import yaml  # noqa: E402  (after the environment is set)

ROOT = Path(__file__).resolve().parent.parent
# config.yml names our own pipeline components (bot.nlu...), as `rasa` finds them from the project root.
sys.path.insert(0, str(ROOT))
OUT_OF_SCOPE = "out_of_scope"
FALLBACK = "fallback"
FALLBACK_INTENTS = {"nlu_fallback", OUT_OF_SCOPE}
RETRIEVAL_INTENT = "faq"
# Topics that give the patient the same outcome: asking for a callback is a way of reaching a person.
SAME_OUTCOME = {"request_callback": "human_handoff"}
HELDOUT_DIR = ROOT / "tests" / "nlu"
# English, then Spanish (written blind, directly in Spanish; the dialogue set holds greetings,
# thanks, goodbyes and booking, which the other Spanish sets leave out; the fresh one was written
# last, after the Spanish data and pipeline were settled, and measures them once).
HELDOUT_FILES = (
    "heldout.yml",
    "heldout_blind.yml",
    "heldout_fresh.yml",
    "es/heldout_blind_es.yml",
    "es/heldout_dialogue_es.yml",
    "es/heldout_fresh_es.yml",
    "es/heldout_final_es.yml",
    "es/heldout_unseen_es.yml",
)
# Long messages with one question inside, and messages with two questions ({text, topics}).
LONG_FILE = "heldout_long.yml"
TWO_QUESTIONS = "two_questions"
AND = "+"  # two questions' topics in one prediction: "faq/pain+ask_price"

# The targets.
TARGET_IN_SCOPE_ACCURACY = 0.95
TARGET_OOS_CAUGHT = 0.90
TARGET_MAX_FALSE_FALLBACK = 0.03
# Keeps docs/nlu-evaluation.md short; --details writes every prediction.
MAX_ERRORS_SHOWN = 40


@dataclass(frozen=True)
class Example:
    text: str
    topic: str
    source: str = ""  # the held-out file it came from


@dataclass(frozen=True)
class LongExample:
    text: str
    topics: Tuple[str, ...]  # one question inside a long message, or two questions in the order asked


@dataclass
class LongFigures:
    """How long and two-question messages are answered: `got` is each message's prediction."""

    examples: Sequence[LongExample]
    got: Sequence[str]

    def _rows(self, asked: int) -> List[Tuple[LongExample, List[str]]]:
        return [(e, p.split(AND)) for e, p in zip(self.examples, self.got) if len(e.topics) == asked]

    def count(self, asked: int) -> int:
        return len(self._rows(asked))

    def all_answered(self, asked: int) -> int:
        return sum(set(e.topics) <= set(answers) for e, answers in self._rows(asked))

    def one_answered(self, asked: int) -> int:
        return sum(bool(set(e.topics) & set(answers)) for e, answers in self._rows(asked))

    def wrong_answer(self, asked: int) -> int:
        """Messages given an answer to something they did not ask (fallback is not an answer)."""
        return sum(any(a not in e.topics and a != FALLBACK for a in answers) for e, answers in self._rows(asked))


@dataclass
class Candidate:
    name: str
    config_path: Path
    train_seconds: float = 0.0
    predictions: List[Tuple[Example, str]] = field(default_factory=list)
    parses: List[Dict] = field(default_factory=list)
    long_in_parts: Optional[LongFigures] = None
    long_whole_only: Optional[LongFigures] = None

    # --- figures -------------------------------------------------------------------------
    def _in_scope(self) -> List[Tuple[Example, str]]:
        return [(e, p) for e, p in self.predictions if e.topic != OUT_OF_SCOPE]

    def _out_of_scope(self) -> List[Tuple[Example, str]]:
        return [(e, p) for e, p in self.predictions if e.topic == OUT_OF_SCOPE]

    @property
    def in_scope_accuracy(self) -> float:
        rows = self._in_scope()
        return _ratio(sum(gives(p, e.topic) for e, p in rows), len(rows))

    @property
    def oos_caught(self) -> float:
        rows = self._out_of_scope()
        return _ratio(sum(p == FALLBACK for _, p in rows), len(rows))

    @property
    def false_fallback(self) -> float:
        rows = self._in_scope()
        return _ratio(sum(p == FALLBACK for _, p in rows), len(rows))

    def restricted_to(self, source: str) -> "Candidate":
        """The same predictions, only those of one held-out file."""
        part = Candidate(self.name, self.config_path, self.train_seconds)
        part.predictions = [(e, p) for e, p in self.predictions if e.source == source]
        return part

    def topic_accuracy(self, topic: str) -> float:
        rows = [(e, p) for e, p in self.predictions if e.topic == topic]
        if topic == OUT_OF_SCOPE:
            return self.oos_caught
        return _ratio(sum(gives(p, topic) for _, p in rows), len(rows))

    def errors(self) -> List[Tuple[Example, str]]:
        return [(e, p) for e, p in self.predictions if not gives(p, FALLBACK if e.topic == OUT_OF_SCOPE else e.topic)]

    @property
    def targets_met(self) -> int:
        return sum(
            [
                self.in_scope_accuracy >= TARGET_IN_SCOPE_ACCURACY,
                self.oos_caught >= TARGET_OOS_CAUGHT,
                self.false_fallback <= TARGET_MAX_FALSE_FALLBACK,
            ]
        )

    def ranking_key(self) -> Tuple[int, float]:
        """Targets met first; then the fewest wrong answers of any kind, counted in messages (a
        sum of the two rates would weigh each out-of-scope message four times as much)."""
        correct = self.in_scope_accuracy * len(self._in_scope()) + self.oos_caught * len(self._out_of_scope())
        return (self.targets_met, correct)


def gives(predicted: str, topic: str) -> bool:
    """Whether the patient gets the answer to `topic` (also as one of two answers)."""
    return topic in predicted.split(AND)


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


# --- inputs ------------------------------------------------------------------------------
def _source_name(path: Path) -> str:
    """The held-out file's name as the report shows it: under tests/nlu/ ("es/heldout_blind_es.yml")."""
    resolved = path.resolve()
    return str(resolved.relative_to(HELDOUT_DIR)) if resolved.is_relative_to(HELDOUT_DIR) else path.name


def load_heldout(path: Path) -> List[Example]:
    rows = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(rows, list) or not rows:
        raise SystemExit(f"{path}: expected a non-empty YAML list of {{text, topic}}")
    examples = []
    for index, row in enumerate(rows, start=1):
        if not isinstance(row, dict) or not row.get("text") or not row.get("topic"):
            raise SystemExit(f"{path}: item {index} needs both 'text' and 'topic'")
        examples.append(Example(str(row["text"]), str(row["topic"]), _source_name(path)))
    return examples


def load_long(path: Path) -> List[LongExample]:
    rows = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(rows, list) or not rows:
        raise SystemExit(f"{path}: expected a non-empty YAML list of {{text, topics}}")
    examples = []
    for index, row in enumerate(rows, start=1):
        topics = row.get("topics") if isinstance(row, dict) else None
        if not row.get("text") or not isinstance(topics, list) or not 1 <= len(topics) <= 2:
            raise SystemExit(f"{path}: item {index} needs 'text' and 'topics' (one or two)")
        examples.append(LongExample(str(row["text"]), tuple(str(t) for t in topics)))
    return examples


@contextlib.contextmanager
def whole_messages_only():
    """The same trained model reading each message only as a whole, as before it read parts:
    the baseline for the long-message figures."""
    from bot.nlu import linear_classifier

    original = linear_classifier.split_parts
    linear_classifier.split_parts = lambda text: []
    try:
        yield
    finally:
        linear_classifier.split_parts = original


def pipeline_of(config_path: Path) -> object:
    return (yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}).get("pipeline")


def candidates_from(shipped: Path, alternatives_dir: Path, only: Sequence[str]) -> List[Candidate]:
    """The shipped config.yml plus every alternative whose pipeline differs from it."""
    found = [Candidate(f"shipped ({shipped.name})", shipped)]
    shipped_pipeline = pipeline_of(shipped)
    for path in sorted(alternatives_dir.glob("*.yml")):
        if pipeline_of(path) == shipped_pipeline:
            continue  # the same pipeline as config.yml: evaluated once, as "shipped"
        found.append(Candidate(path.stem, path))
    if only:
        found = [c for c in found if c.config_path.name in only or c.name in only]
        if not found:
            raise SystemExit(f"--only {list(only)} matched no candidate config")
    return found


# --- training and parsing ----------------------------------------------------------------
def topic_of(parse: Dict) -> str:
    """Map Rasa's parse result to what the patient gets: a FAQ answer, an intent, or fallback."""
    intent = (parse.get("intent") or {}).get("name") or ""
    if intent == TWO_QUESTIONS:
        return AND.join(parse.get("questions") or [])
    if intent in FALLBACK_INTENTS:
        return FALLBACK
    if intent in SAME_OUTCOME:
        return SAME_OUTCOME[intent]
    if intent == RETRIEVAL_INTENT:
        selector = parse.get("response_selector") or {}
        chosen = selector.get(RETRIEVAL_INTENT) or selector.get("default") or {}
        key = (chosen.get("response") or {}).get("intent_response_key")
        return key or f"{RETRIEVAL_INTENT}/<none>"
    return intent


def train_and_predict(
    candidate: Candidate, examples: Sequence[Example], workdir: Path, long_examples: Sequence[LongExample] = ()
) -> None:
    # Imported here so `--help` and input errors do not wait for TensorFlow.
    from rasa.core.agent import Agent
    from rasa.model_training import train

    started = time.monotonic()
    result = train(
        domain=str(ROOT / "domain.yml"),
        config=str(candidate.config_path),
        training_files=[str(ROOT / "data")],
        output=str(workdir),
        fixed_model_name=candidate.config_path.stem,
        force_training=True,
    )
    candidate.train_seconds = time.monotonic() - started
    if result.code != 0 or not result.model:
        raise SystemExit(f"training with {candidate.config_path} failed (code {result.code})")

    agent = Agent.load(result.model)

    async def parse_all() -> List[Dict]:
        return [await agent.parse_message(e.text) for e in examples]

    candidate.parses = asyncio.run(parse_all())
    candidate.predictions = list(zip(examples, map(topic_of, candidate.parses)))

    async def parse_long() -> List[str]:
        return [topic_of(await agent.parse_message(e.text)) for e in long_examples]

    if long_examples:
        candidate.long_in_parts = LongFigures(long_examples, asyncio.run(parse_long()))
        with whole_messages_only():
            candidate.long_whole_only = LongFigures(long_examples, asyncio.run(parse_long()))


def render_long(candidate: Candidate) -> str:
    """The report's section on long messages and two questions in one, for the chosen candidate."""
    parts, whole = candidate.long_in_parts, candidate.long_whole_only
    if parts is None or whole is None:
        return ""

    def row(label: str, figure: str, asked: int) -> str:
        total = parts.count(asked)
        return (
            f"| {label} | {total} | {pct(_ratio(getattr(whole, figure)(asked), total))} | "
            f"{pct(_ratio(getattr(parts, figure)(asked), total))} |"
        )

    return "\n".join(
        [
            "",
            "## Long messages and two questions in one",
            "",
            f"`tests/nlu/{LONG_FILE}`, written blind: long messages (35-120 words) with one question among",
            "context, and messages with two questions. The chosen model reading each message as a whole,",
            "then also in parts (`bot/nlu/question_segments.py`), as it ships.",
            "",
            "| | messages | whole message only | read in parts |",
            "| --- | --- | --- | --- |",
            row("one question inside a long message: answered", "all_answered", 1),
            row("one question inside a long message: an answer it did not ask for", "wrong_answer", 1),
            row("two questions: both answered", "all_answered", 2),
            row("two questions: at least one answered", "one_answered", 2),
            row("two questions: an answer to something not asked", "wrong_answer", 2),
            "",
        ]
    )


def topic_at(parse: Dict, threshold: float, ambiguity: float) -> str:
    """What topic_of would give had FallbackClassifier used these thresholds.

    FallbackClassifier only compares the classifier's confidences (it inserts nlu_fallback on top of
    the ranking and keeps the rest), so other thresholds can be measured without retraining.
    """
    ranking = [r for r in parse.get("intent_ranking") or [] if r.get("name") != "nlu_fallback"]
    if not ranking or ranking[0]["name"] in FALLBACK_INTENTS:
        return FALLBACK
    top = ranking[0]["confidence"]
    if top < threshold or (len(ranking) > 1 and top - ranking[1]["confidence"] < ambiguity):
        return FALLBACK
    return topic_of({**parse, "intent": ranking[0]})


def fallback_settings(config_path: Path) -> Tuple[float, float]:
    for component in pipeline_of(config_path) or []:
        if component.get("name") == "FallbackClassifier":
            return float(component.get("threshold", 0.3)), float(component.get("ambiguity_threshold", 0.1))
    return 0.0, 0.0


# --- report ------------------------------------------------------------------------------
def shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def machine_description() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} CPUs (shared), {platform.system()} {platform.release()}, Python {platform.python_version()}"


def render_report(candidates: List[Candidate], chosen: Candidate, examples: Sequence[Example]) -> str:
    import rasa

    topics = sorted({e.topic for e in examples if e.topic != OUT_OF_SCOPE})
    counts = collections.Counter(e.topic for e in examples)
    sources = collections.Counter(e.source for e in examples)
    names = [c.name for c in candidates]
    header = "| | " + " | ".join(names) + " |"
    rule = "|---|" + "---|" * len(names)

    def row(label: str, values: List[str]) -> str:
        return f"| {label} | " + " | ".join(values) + " |"

    lines = [
        "# NLU evaluation",
        "",
        "Written by `make eval` (`scripts/eval_nlu.py`); do not edit by hand.",
        "Each candidate config is trained on the full domain and all of `data/`, then parses the",
        f"held-out messages ({len(examples)}: {sum(counts[t] for t in topics)} in scope over "
        f"{len(topics)} topics, {counts[OUT_OF_SCOPE]} out of scope), which are never trained on:",
        "",
        *[f"- `tests/nlu/{source}`: {n} messages" for source, n in sources.items()],
        "",
        f"- Date: {datetime.datetime.now().strftime('%Y-%m-%d %H:%M')}",
        f"- Machine: {machine_description()}",
        f"- Rasa {rasa.__version__}",
        "",
        "Every file is checked against the training data for copies (`tests/unit/test_faq_responses.py`).",
        "`heldout.yml` was written by the team that wrote the training data, and some training data was",
        "broadened after earlier runs showed weak topics there, so its figures are optimistic.",
        "`heldout_blind.yml` was written by someone who never saw the training data, and no training",
        "example was written after looking at it; it was then used to choose the pipeline and thresholds.",
        "`heldout_fresh.yml` was written blind too, after that choice, and measured the final candidates",
        "once: its figures are the fairest estimate.",
        "`es/heldout_blind_es.yml` and `es/heldout_dialogue_es.yml` were written blind, directly in Spanish",
        "(Spain and Latin America), by someone who never saw the training data; the Spanish training data",
        "was extended afterwards by writers who never saw them, and their figures chose accent folding and",
        "one model for both languages. Their figures are now optimistic: the briefs for the last Spanish",
        "batch named the kinds of message they missed. `es/heldout_fresh_es.yml` was written blind too",
        "and measured three times, with no data written from its errors, before it fell short of the",
        "targets. `es/heldout_final_es.yml` was written blind after that, by someone who had seen neither",
        "the data nor the other sets, and measured the fourth Spanish batch once; it fell short too, and",
        "only its totals were read. `es/heldout_unseen_es.yml` was written blind after that, in the same",
        "way, and measured the fifth batch once: its figures are the fairest Spanish estimate.",
        'A callback request counts as the right answer to "talk to a person" (both reach the staff).',
        "",
        "## Summary",
        "",
        header,
        rule,
        row(
            f"in-scope answers correct (target >= {pct(TARGET_IN_SCOPE_ACCURACY)})",
            [pct(c.in_scope_accuracy) for c in candidates],
        ),
        row(
            f"out-of-scope sent to fallback (target >= {pct(TARGET_OOS_CAUGHT)})",
            [pct(c.oos_caught) for c in candidates],
        ),
        row(
            f"in-scope wrongly sent to fallback (target <= {pct(TARGET_MAX_FALSE_FALLBACK)})",
            [pct(c.false_fallback) for c in candidates],
        ),
        row("targets met", [f"{c.targets_met}/3" for c in candidates]),
        *[
            row(
                f"`{source}` alone: in-scope correct / out-of-scope caught / false fallback",
                [" / ".join(pct(v) for v in _figures(c.restricted_to(source))) for c in candidates],
            )
            for source in sources
        ],
        row("train time (s)", [f"{c.train_seconds:.0f}" for c in candidates]),
        "",
        "Candidates: " + "; ".join(f"{c.name} = `{shown(c.config_path)}`" for c in candidates) + ".",
        "",
        "## Chosen configuration",
        "",
        f"**{chosen.name}** (`{shown(chosen.config_path)}`): {why_chosen(chosen, candidates)}",
        "",
        "## Per topic (share of messages answered with the right topic)",
        "",
        "| topic | n | " + " | ".join(names) + " |",
        "|---|---|" + "---|" * len(names),
    ]
    for topic in topics + [OUT_OF_SCOPE]:
        label = topic if topic != OUT_OF_SCOPE else "out_of_scope (caught)"
        lines.append(
            f"| {label} | {counts[topic]} | " + " | ".join(pct(c.topic_accuracy(topic)) for c in candidates) + " |"
        )
    lines += threshold_sweep(chosen)
    errors = chosen.errors()
    lines += ["", f"## Errors of the chosen configuration ({len(errors)})", ""]
    if errors:
        lines += ["| message | expected | got | file |", "|---|---|---|---|"]
        for example, got in errors[:MAX_ERRORS_SHOWN]:
            text = example.text.replace("|", "\\|")
            lines.append(f"| {text} | {example.topic} | {got} | {example.source} |")
        if len(errors) > MAX_ERRORS_SHOWN:
            lines += ["", f"... and {len(errors) - MAX_ERRORS_SHOWN} more (`--details FILE` lists every message)."]
    else:
        lines.append("None.")
    lines.append("")
    return "\n".join(lines)


def _figures(candidate: Candidate) -> Tuple[float, float, float]:
    return candidate.in_scope_accuracy, candidate.oos_caught, candidate.false_fallback


def threshold_sweep(chosen: Candidate) -> List[str]:
    """The same trained model under other FallbackClassifier thresholds (no retraining)."""
    threshold, ambiguity = fallback_settings(chosen.config_path)
    lines = [
        "",
        "## Fallback threshold, same model (simulated from the stored confidences)",
        "",
        f"Configured: threshold {threshold}, ambiguity_threshold {ambiguity}.",
        "",
        "| threshold | ambiguity | in-scope correct | out-of-scope caught | false fallback |",
        "|---|---|---|---|---|",
    ]
    settings = sorted(
        {(t, ambiguity) for t in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)} | {(threshold, ambiguity), (threshold, 0.0)}
    )
    for t, a in settings:
        simulated = Candidate(chosen.name, chosen.config_path)
        simulated.predictions = [(e, topic_at(p, t, a)) for (e, _), p in zip(chosen.predictions, chosen.parses)]
        mark = " (configured)" if (t, a) == (threshold, ambiguity) else ""
        if mark and simulated.predictions != chosen.predictions:
            mark += " (differs from the live parse: simulation is off)"
        lines.append(
            f"| {t}{mark} | {a} | {pct(simulated.in_scope_accuracy)} | "
            f"{pct(simulated.oos_caught)} | {pct(simulated.false_fallback)} |"
        )
    return lines


def why_chosen(chosen: Candidate, candidates: List[Candidate]) -> str:
    others = [c for c in candidates if c is not chosen]
    parts = [
        f"{chosen.targets_met} of 3 targets met; "
        f"{pct(chosen.in_scope_accuracy)} in-scope correct, {pct(chosen.oos_caught)} out-of-scope "
        f"caught, {pct(chosen.false_fallback)} false fallback."
    ]
    for other in others:
        parts.append(
            f"Against {other.name}: {_signed(chosen.in_scope_accuracy - other.in_scope_accuracy)} "
            f"in-scope correct, {_signed(chosen.oos_caught - other.oos_caught)} out-of-scope caught, "
            f"{_signed(chosen.false_fallback - other.false_fallback)} false fallback, "
            f"train time {chosen.train_seconds:.0f}s vs {other.train_seconds:.0f}s."
        )
    if chosen.config_path.name != "config.yml":
        parts.append("This is not the shipped config.yml: consider adopting it.")
    return " ".join(parts)


def _signed(delta: float) -> str:
    return f"{100 * delta:+.1f} points"


def choose(candidates: List[Candidate]) -> Candidate:
    """Best ranking wins; on a tie the shipped config (listed first) is kept."""
    best = candidates[0]
    for candidate in candidates[1:]:
        if candidate.ranking_key() > best.ranking_key():
            best = candidate
    return best


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=ROOT / "config.yml", help="the shipped config")
    parser.add_argument("--alternatives", type=Path, default=ROOT / "eval" / "configs")
    parser.add_argument(
        "--heldout",
        type=Path,
        nargs="+",
        default=[HELDOUT_DIR / name for name in HELDOUT_FILES],
        help="held-out files (YAML lists of {text, topic}); figures are given per file and together",
    )
    parser.add_argument(
        "--long",
        type=Path,
        default=HELDOUT_DIR / LONG_FILE,
        help="long and two-question messages (YAML list of {text, topics})",
    )
    parser.add_argument("--report", type=Path, default=ROOT / "docs" / "nlu-evaluation.md")
    parser.add_argument("--details", type=Path, help="also write every message's prediction per candidate (CSV)")
    parser.add_argument("--only", nargs="*", default=[], help="evaluate only these candidates (file or display name)")
    args = parser.parse_args(argv)

    for required in (args.config, *args.heldout, ROOT / "domain.yml", ROOT / "data"):
        if not required.exists():
            raise SystemExit(f"missing {required}")

    logging.basicConfig(level=logging.WARNING)
    for noisy in ("rasa", "tensorflow", "absl"):
        logging.getLogger(noisy).setLevel(logging.ERROR)

    examples = [example for path in args.heldout for example in load_heldout(path)]
    long_examples = load_long(args.long) if args.long.exists() else []
    candidates = candidates_from(args.config, args.alternatives, args.only)
    for candidate in candidates:
        print(f"training and evaluating {candidate.name} ...", file=sys.stderr, flush=True)
        with tempfile.TemporaryDirectory(prefix="nlu-eval-") as workdir:
            train_and_predict(candidate, examples, Path(workdir), long_examples)
        print(
            f"  {candidate.name}: in-scope {pct(candidate.in_scope_accuracy)}, "
            f"out-of-scope caught {pct(candidate.oos_caught)}, "
            f"false fallback {pct(candidate.false_fallback)}, train {candidate.train_seconds:.0f}s",
            file=sys.stderr,
            flush=True,
        )

    chosen = choose(candidates)
    report = render_report(candidates, chosen, examples) + render_long(chosen)
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(report, encoding="utf-8")
    if args.details:
        write_details(args.details, candidates)
    print(report)
    return 0


def write_details(path: Path, candidates: List[Candidate]) -> None:
    import csv

    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["candidate", "text", "expected", "got", "intent_confidence"])
        for candidate in candidates:
            for (example, got), parse in zip(candidate.predictions, candidate.parses):
                confidence = (parse.get("intent") or {}).get("confidence")
                writer.writerow([candidate.name, example.text, example.topic, got, confidence])


if __name__ == "__main__":
    sys.exit(main())
