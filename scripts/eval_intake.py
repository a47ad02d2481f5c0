"""`make eval`, second part: how the intake reads patients and how long it is for them; rewrites
docs/intake-evaluation.md. A report, not a test: figures are measured, never asserted.

1. Screening answers in patients' own words (tests/screening/own_words.yml, written blind): how
   often a reply to a group's list, or to one question, is read as a careful nurse would read it,
   and how often it is read in the unsafe direction (something that applies read as "no").
2. Patient turns for whole intakes, by scripted patients against the real stack (trained model,
   Rasa, action server) on its embedded defaults.
"""

from __future__ import annotations

import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import httpx
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.screening.answers import answer_rule  # noqa: E402
from bot.screening.groups import read_group_reply  # noqa: E402
from bot.screening.rules import load_rules  # noqa: E402
from bot.screening.terms import TermReader  # noqa: E402
from bot.settings import PROJECT_ROOT, get_settings  # noqa: E402
from bot.shared_secrets import CHANNEL_HEADER  # noqa: E402
from bot.stack import assistant_over_sqlite  # noqa: E402
from tests.support.conversation import Patient, run_intake  # noqa: E402

OWN_WORDS = PROJECT_ROOT / "tests" / "screening" / "own_words.yml"
REPORT = PROJECT_ROOT / "docs" / "intake-evaluation.md"
TURN_TARGET = 15


# ---- 1. own words ------------------------------------------------------------------------------


@dataclass
class Tally:
    right: int = 0
    unsafe: int = 0  # read as "no" (or none) where something applies or the patient was unsure
    total: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, ok: bool, unsafe: bool, line: str) -> None:
        self.total += 1
        self.right += ok
        self.unsafe += unsafe
        if not ok:
            self.misses.append(line)


def _group_reading(reply) -> tuple[object, set[str]]:
    if reply is None:
        return None, set()
    if reply.one_at_a_time:
        return "one_at_a_time", set()
    ticked = {a.rule_id for a in reply.answers if a.affirmed or a.unsure}
    return sorted(ticked), {a.rule_id for a in reply.answers if a.unsure}


def own_words(rules, reader: TermReader) -> tuple[Tally, Tally, Counter]:
    data = yaml.safe_load(OWN_WORDS.read_text(encoding="utf-8"))
    groups = {group.id: group for group in rules.groups}
    group_tally, rule_tally, asked_again = Tally(), Tally(), Counter()
    for case in data["groups"]:
        text, expect = case["text"], case["expect"]
        reply = read_group_reply(groups[case["group"]], text, reader.findings)
        reading, unsure = _group_reading(reply)
        if reading is None:
            asked_again["groups"] += 1
        wanted = expect if expect == "one_at_a_time" else sorted(expect)
        ok = reading == wanted and (expect == "one_at_a_time" or unsure >= set(case.get("unsure", [])))
        applies = set() if expect == "one_at_a_time" else set(expect)
        read_yes = set(reading) if isinstance(reading, list) else set()
        # Unsafe: an item that applies read as no. "Asked again" and "one at a time" lose nothing.
        unsafe = (
            isinstance(reading, list)
            and bool(applies - read_yes)
            or (expect == "one_at_a_time" and isinstance(reading, list) and not read_yes)
        )
        group_tally.add(ok, unsafe, f"{case['group']}: {text!r} -> {reading} (expected {wanted})")
    for case in data["rules"]:
        text, expect = case["text"], case["expect"]
        answer = answer_rule(rules[case["rule"]], text, reader.findings(text))
        reading = None if answer is None else "unsure" if answer.unsure else "yes" if answer.affirmed else "no"
        if reading is None:
            asked_again["rules"] += 1
        unsafe = reading == "no" and expect in ("yes", "unsure")
        rule_tally.add(reading == expect, unsafe, f"{case['rule']}: {text!r} -> {reading} (expected {expect})")
    return group_tally, rule_tally, asked_again


# ---- 2. turns ----------------------------------------------------------------------------------

SCENARIOS = {
    "nothing to report, buttons and plain answers": Patient(),
    "nothing to report, in own words": Patient(
        none_of_these="nope, none of those",
        consent="yes that's fine",
        health_notes="no, nothing else",
        review=["looks good"],
    ),
    "one thing to report (cold sores, in own words)": Patient(
        group_replies={"conditions": "I get cold sores sometimes"}
    ),
    "isotretinoin in the past (follow-up asked)": Patient(
        group_replies={"treatments_and_medicines": "I took roaccutane as a teenager"},
        follow_ups={"isotretinoin": "about 10 years ago"},
    ),
    "not sure about one group (asked one at a time)": Patient(screening={"pregnancy": "not sure"}),
    "a correction at the review": Patient(review=["change my phone to 07912 345678", "confirm"]),
}


def measure_turns() -> dict[str, int]:
    turns: dict[str, int] = {}
    with (
        tempfile.TemporaryDirectory() as workdir,
        assistant_over_sqlite(Path(workdir)) as assistant,
        httpx.Client(timeout=60, headers={CHANNEL_HEADER: assistant.channel_secret}) as client,
    ):
        for number, (name, patient) in enumerate(SCENARIOS.items()):
            sent: list[str] = []

            def send(text: str, sender: str = f"eval-{number}", sent: list[str] = sent) -> list[dict]:
                sent.append(text)
                response = client.post(assistant.rest_url, json={"sender": sender, "message": text})
                response.raise_for_status()
                return response.json()

            transcript = run_intake(send, patient)
            if "Your reference is" not in transcript[-1]:
                raise SystemExit(f"scenario {name!r} did not end with a stored request: {transcript[-1]!r}")
            turns[name] = len(sent)
            print(f"  {name}: {len(sent)} patient turns", flush=True)
    return turns


# ---- report ------------------------------------------------------------------------------------


def pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "n/a"


def render(group_tally: Tally, rule_tally: Tally, asked_again: Counter, turns: dict[str, int], rules) -> str:
    lines = [
        "# Intake evaluation",
        "",
        f"Written by `make eval` (`scripts/eval_intake.py`) on {date.today().isoformat()}. Figures are measured,",
        "never asserted: the outcome tests in `tests/` are what must pass.",
        "",
        "## Patient turns for a whole intake",
        "",
        "Scripted patients against the real stack (trained model, Rasa, action server). The screening asks",
        f"{len(rules)} rules in {len(rules.groups)} groups. Target: at most {TURN_TARGET} patient turns for an "
        "uncomplicated intake, counting the first message.",
        "",
        "| patient | turns |",
        "| --- | --- |",
        *[f"| {name} | {count} |" for name, count in turns.items()],
        "",
        "## Screening answers in patients' own words",
        "",
        f"`{OWN_WORDS.relative_to(PROJECT_ROOT)}`, written blind by someone who never saw the reading code.",
        'Right = read as a careful nurse would (the items that apply, the unsure ones, or "one at a time").',
        'Unsafe = something that applies, or that the patient was unsure of, read as "no". A reply that',
        "cannot be read is asked again, which loses nothing.",
        "",
        "| replies to | cases | right | asked again | unsafe |",
        "| --- | --- | --- | --- | --- |",
        f"| a group's list | {group_tally.total} | {pct(group_tally.right, group_tally.total)} | "
        f"{asked_again['groups']} | {group_tally.unsafe} |",
        f"| one question | {rule_tally.total} | {pct(rule_tally.right, rule_tally.total)} | "
        f"{asked_again['rules']} | {rule_tally.unsafe} |",
        "",
        "### Misread",
        "",
        *[f"- {line}" for line in group_tally.misses + rule_tally.misses],
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    rules = load_rules(get_settings().screening_rules)
    print("Reading screening answers in patients' own words...", flush=True)
    group_tally, rule_tally, asked_again = own_words(rules, TermReader(rules))
    print(
        f"  groups {pct(group_tally.right, group_tally.total)} right, {group_tally.unsafe} unsafe; "
        f"questions {pct(rule_tally.right, rule_tally.total)} right, {rule_tally.unsafe} unsafe",
        flush=True,
    )
    print("Counting patient turns with scripted patients (starts Rasa and the action server)...", flush=True)
    turns = measure_turns()
    REPORT.write_text(render(group_tally, rule_tally, asked_again, turns, rules), encoding="utf-8")
    print(f"Wrote {REPORT.relative_to(PROJECT_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
