"""Closed-loop load: virtual patients, each in conversations of its own, sending a realistic mix.

A virtual user sends one message, waits for the whole answer, thinks for `think_seconds`, and sends
the next; when a conversation's script is done it starts a new conversation. So the offered load
follows what the bot can take (a closed loop), as with real patients, and `users` with no think
time measures saturation. The same scripts go to every bot under test, through any `Channel`.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

# What a message is, for the figures: a FAQ answer (NLU and a response), a clinic answer (a custom
# action on the action server), or a turn of an intake (form validation, screening, storing).
FAQ, CLINIC, INTAKE = "FAQ answer", "clinic answer (custom action)", "intake turn"

FAQ_VISIT = (
    (FAQ, "does microneedling hurt?"),
    (FAQ, "how long is the downtime"),
    (FAQ, "how many sessions will I need"),
)
CLINIC_VISIT = (
    (CLINIC, "how much does it cost"),
    (CLINIC, "what are your opening hours"),
    (CLINIC, "where are you located"),
)
# An uncomplicated intake from start to stored request, 15 messages (docs/intake-evaluation.md).
INTAKE_VISIT = tuple(
    (INTAKE, text)
    for text in (
        "I'd like to book a consultation",
        "yes",
        "Jane Smith",
        "14/03/1985",
        "07911 123456",
        "jane.smith@example.com",
        "Phone call",
        "acne scars on my cheeks",
        "weekday evenings",
        "None of these",
        "None of these",
        "None of these",
        "None of these",
        "no",
        "confirm",
    )
)
# Conversations by kind: most patients ask a few questions, some ask the clinic's details, fewer
# go through the whole intake (which is 15 messages, so it is still a third of the messages).
MIX = ((FAQ_VISIT, 5), (CLINIC_VISIT, 3), (INTAKE_VISIT, 2))
INTAKE_STORED = "Your reference is"


@dataclass(frozen=True)
class Answer:
    """The bot's texts, and when a channel knows better than the caller's clock: how long the
    patient waited for the first of them (the Telegram bridge sends each message separately)."""

    texts: list[str]
    ms: float | None = None


# A channel sends one patient message in a conversation and returns the bot's answer.
Channel = Callable[[str, str], Awaitable[Answer]]


@dataclass(frozen=True)
class Load:
    users: int
    think_seconds: float
    seconds: float
    mix: tuple = MIX  # ((script, weight), ...)
    label: str = ""  # what the mix is, when it is not the usual one

    @property
    def name(self) -> str:
        think = f"{self.think_seconds:g} s think time" if self.think_seconds else "back to back"
        return f"{self.users} chat{'s' if self.users != 1 else ''}, {think}" + (f", {self.label}" if self.label else "")


@dataclass
class Result:
    load: Load
    seconds: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=dict)  # kind -> ms
    errors: list[str] = field(default_factory=list)
    conversations: int = 0
    intakes_finished: int = 0  # intakes whose last answer gave a reference
    intakes_started: int = 0
    stored_references: list[str] = field(default_factory=list)

    @property
    def messages(self) -> int:
        return sum(len(values) for values in self.latencies.values())

    def all_latencies(self) -> list[float]:
        return [value for values in self.latencies.values() for value in values]

    def throughput(self, kind: str | None = None) -> float:
        count = self.messages if kind is None else len(self.latencies.get(kind, []))
        return count / self.seconds if self.seconds else 0.0


def percentile(values: Sequence[float], fraction: float) -> float:
    """The value below which `fraction` of them lie (inclusive method; one value is itself)."""
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[round(fraction * 100) - 1]


async def run_load(channel: Channel, load: Load, prefix: str, seed: int = 7) -> Result:
    """Runs `load.users` virtual users for `load.seconds`, then lets each finish its message (and
    an intake under way its last one)."""
    result = Result(load)
    deadline = time.monotonic() + load.seconds
    scripts = [script for script, weight in load.mix for _ in range(weight)]

    async def user(number: int) -> None:
        chooser = random.Random(seed * 1000 + number)
        conversation = 0
        if load.think_seconds:  # spread the first messages over one think time, as patients arrive
            await asyncio.sleep(chooser.uniform(0, load.think_seconds))
        while time.monotonic() < deadline:
            conversation += 1
            sender = f"{prefix}-{number}-{conversation}"
            script = chooser.choice(scripts)
            result.conversations += 1
            result.intakes_started += script is INTAKE_VISIT
            for kind, text in script:
                if time.monotonic() >= deadline and kind != INTAKE:
                    return  # an intake under way is finished, so it can be counted
                started = time.perf_counter()
                try:
                    answer = await channel(sender, text)
                except Exception as error:  # noqa: BLE001 - every failure is counted, none stops the run
                    result.errors.append(f"{type(error).__name__}: {str(error)[:120]}")
                    break
                waited = answer.ms if answer.ms is not None else (time.perf_counter() - started) * 1000
                result.latencies.setdefault(kind, []).append(waited)
                texts = answer.texts
                if kind == INTAKE and any(INTAKE_STORED in t for t in texts):
                    result.intakes_finished += 1
                    result.stored_references.append(_reference(texts))
                if load.think_seconds:
                    await asyncio.sleep(load.think_seconds * chooser.uniform(0.5, 1.5))

    started = time.monotonic()
    await asyncio.gather(*(user(number) for number in range(load.users)))
    result.seconds = time.monotonic() - started
    return result


def _reference(texts: list[str]) -> str:
    for text in texts:
        if INTAKE_STORED in text:
            return text.split(INTAKE_STORED, 1)[1].strip(" :*.\n").split()[0].strip("*.,")
    return ""
