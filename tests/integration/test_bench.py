"""`make bench`'s own harness on a tiny load, so that it keeps working: every part really started
(the assistant, the stock `rasa init` bot, the relay, the Telegram bridge), every figure and the
report written. The targets are the benchmark's to report, never a test's to assert."""

from __future__ import annotations

from bench import report
from bench.load import CLINIC_VISIT, FAQ_VISIT, Load
from bench.run import Plan, run

# The stock bot's own config trains for about a minute; this one in seconds.
QUICK_STOCK_CONFIG = """recipe: default.v1
assistant_id: bench_test
language: en
pipeline:
  - name: WhitespaceTokenizer
  - name: CountVectorsFeaturizer
  - name: DIETClassifier
    epochs: 5
policies:
  - name: MemoizationPolicy
  - name: RulePolicy
"""
TINY = Plan(
    loads=(Load(1, 0, 3), Load(2, 0, 3), Load(2, 0.2, 3)),
    by_kind=(
        Load(2, 0, 2, mix=((FAQ_VISIT, 1),), label="FAQ answers only"),
        Load(2, 0, 2, mix=((CLINIC_VISIT, 1),), label="clinic answers only"),
    ),
    correctness=Load(3, 0.1, 3),
    channels=Load(2, 0.2, 3),
    stock_config=QUICK_STOCK_CONFIG,
)


def test_a_tiny_benchmark_drives_every_part_and_writes_the_report(tmp_path):
    lines: list[str] = []
    result = run(TINY, log=lines.append)

    assert any("stock bot" in line for line in lines), "progress is shown as it runs"
    for name, ours in result.assistant.items():
        assert ours.messages and not ours.errors, (name, ours.errors[:3])
        assert result.stock[name].messages and not result.stock[name].errors
    assert all(r.messages and not r.errors for r in result.by_kind.values())
    correct = result.correctness
    assert correct.intakes_finished >= 1 and not correct.errors
    assert result.stored == {"finished": correct.intakes_finished, "stored": correct.intakes_finished, "doubled": 0}
    assert result.relay.messages and not result.relay.errors
    assert result.relay_answers["messages"] == result.relay.messages and result.relay_answers["lost_or_doubled"] == 0
    assert result.telegram.messages and not result.telegram.errors
    assert {"Rasa", "action server", "widget relay", "Telegram bridge"} <= {p for _, s in result.memory for p in s}
    assert all(size > 10 for _, sizes in result.memory for size in sizes.values()), "real processes, real memory"

    text = report.write(result, tmp_path, "Findings go here.")
    assert (tmp_path / "benchmark.md").read_text() == text
    assert (tmp_path / report.PLOT).read_bytes().startswith(b"\x89PNG")
    for section in ("## Both bots, the same loads", "## Targets", "## Memory", "Findings go here."):
        assert section in text
    assert text.count("| yes |") + text.count("| **no** |") == len(report.targets(result))
