"""Loads and validates the clinic's screening rules (clinic/screening.yml) once at start-up.

Levels are data: the file decides what a "yes" means, the code only knows their order.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.consultation import Level, VocabularyError
from bot.yaml_files import read_yaml


class ScreeningRulesError(ValueError):
    """The rules file is missing, unreadable or has a wrong field; the message names it."""


def _level(value: Any, where: str) -> Level:
    try:
        return Level.parse(value, f"screening rules: {where}")
    except VocabularyError as error:
        raise ScreeningRulesError(str(error)) from None


@dataclass(frozen=True)
class FollowUp:
    """A question asked after a "yes" whose answer decides the level (kind `months_since` for now)."""

    kind: str
    question: str
    threshold_months: int
    level_within: Level | None
    level_after: Level | None
    level_ongoing: Level | None
    ongoing_note: str | None = None
    defer_until: str | None = None


@dataclass(frozen=True)
class Rule:
    id: str
    question: str
    explanation: str
    level: Level
    answer_note: str
    terms: tuple[str, ...]
    defer_until: str | None = None
    follow_up: FollowUp | None = None
    label: str | None = None
    item: str | None = None

    @property
    def short(self) -> str:
        """A few words naming the rule, for the review summary, outcome notes and the dashboard."""
        return self.label or self.question.rstrip("?")

    @property
    def listed(self) -> str:
        """The line naming the rule in its group's list of items."""
        return self.item or self.short


@dataclass(frozen=True)
class Group:
    """Rules asked together as one question ("Do any of these apply to you at the moment?"), each
    listed as an item; a group of one rule is asked as that rule's own yes/no question."""

    id: str
    title: str
    question: str
    explanation: str
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class AgeLimits:
    """What the patient's age means: under `minimum`, no intake; from it to `young_adult_until`,
    a flag (`young_adult_rule`) at `young_adult_level`."""

    minimum: int = 18
    young_adult_until: int = 21
    young_adult_rule: str = "age_18_to_21"
    young_adult_level: Level = Level.INFO
    young_adult_label: str = "Age 18 to 21"

    def is_minor(self, age: int) -> bool:
        return age < self.minimum

    def is_young_adult(self, age: int) -> bool:
        return self.minimum <= age <= self.young_adult_until


@dataclass(frozen=True)
class ScreeningRules:
    """The rules in the order they are asked."""

    rules: tuple[Rule, ...]
    groups: tuple[Group, ...] = ()
    unsure_note: str = ""  # what the patient is told at the end about an answer they were unsure of
    age: AgeLimits = AgeLimits()

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def __getitem__(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def get(self, rule_id: str) -> Rule | None:
        return next((rule for rule in self.rules if rule.id == rule_id), None)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(rule.id for rule in self.rules)


_ID = re.compile(r"^[a-z][a-z0-9_]{1,59}$")
_FOLLOW_UP_KINDS = ("months_since",)
_MAX_QUESTION = 300


def _text(raw: dict[str, Any], key: str, where: str, *, required: bool = True) -> str | None:
    value = raw.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ScreeningRulesError(f"screening rules: {where}.{key} is missing or empty")
        return None
    if not isinstance(value, str):
        raise ScreeningRulesError(f"screening rules: {where}.{key} must be text, got {type(value).__name__}")
    return " ".join(value.split())


def _optional_level(raw: dict[str, Any], key: str, where: str) -> Level | None:
    if key not in raw:
        raise ScreeningRulesError(f"screening rules: {where}.{key} is missing (use null for no level)")
    value = raw[key]
    return None if value is None else _level(value, f"{where}.{key}")


def _parse_follow_up(raw: Any, where: str) -> FollowUp:
    if not isinstance(raw, dict):
        raise ScreeningRulesError(f"screening rules: {where} must be a mapping")
    kind = _text(raw, "kind", where)
    if kind not in _FOLLOW_UP_KINDS:
        raise ScreeningRulesError(
            f"screening rules: {where}.kind must be one of {', '.join(_FOLLOW_UP_KINDS)}, got {kind!r}"
        )
    threshold = raw.get("threshold_months")
    if isinstance(threshold, bool) or not isinstance(threshold, int) or not 1 <= threshold <= 120:
        raise ScreeningRulesError(
            f"screening rules: {where}.threshold_months must be a whole number of months from 1 to 120"
        )
    return FollowUp(
        kind=kind,
        question=_text(raw, "question", where),
        threshold_months=threshold,
        level_within=_optional_level(raw, "level_within", where),
        level_after=_optional_level(raw, "level_after", where),
        level_ongoing=_optional_level(raw, "level_ongoing", where),
        ongoing_note=_text(raw, "ongoing_note", where, required=False),
        defer_until=_text(raw, "defer_until", where, required=False),
    )


def _parse_terms(raw: Any, where: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw:
        raise ScreeningRulesError(f"screening rules: {where}.terms must be a non-empty list")
    terms: list[str] = []
    for index, term in enumerate(raw):
        if not isinstance(term, str) or not term.strip():
            raise ScreeningRulesError(f"screening rules: {where}.terms[{index}] must be non-empty text")
        normalised = " ".join(term.lower().split())
        if normalised not in terms:
            terms.append(normalised)
    return tuple(terms)


def _parse_rule(raw: Any, index: int) -> Rule:
    where = f"rules[{index}]"
    if not isinstance(raw, dict):
        raise ScreeningRulesError(f"screening rules: {where} must be a mapping")
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not _ID.match(rule_id):
        raise ScreeningRulesError(
            f"screening rules: {where}.id must be snake_case (lower-case letters, digits, _), got {rule_id!r}"
        )
    where = f"rule '{rule_id}'"
    question = _text(raw, "question", where)
    if len(question) > _MAX_QUESTION:
        raise ScreeningRulesError(f"screening rules: {where}.question is longer than {_MAX_QUESTION} characters")
    if "level" not in raw:
        raise ScreeningRulesError(f"screening rules: {where}.level is missing")
    follow_up_raw = raw.get("follow_up")
    return Rule(
        id=rule_id,
        question=question,
        explanation=_text(raw, "explanation", where),
        level=_level(raw["level"], f"{where}.level"),
        answer_note=_text(raw, "answer_note", where),
        terms=_parse_terms(raw.get("terms"), where),
        defer_until=_text(raw, "defer_until", where, required=False),
        follow_up=None if follow_up_raw is None else _parse_follow_up(follow_up_raw, f"{where}.follow_up"),
        label=_text(raw, "label", where, required=False),
        item=_text(raw, "item", where, required=False),
    )


def _parse_groups(raw: Any, rules: tuple[Rule, ...]) -> tuple[Group, ...]:
    """The file's `groups`, each rule in exactly one; without `groups` every rule is asked alone."""
    if raw is None:
        return tuple(Group(rule.id, rule.short, rule.question, rule.explanation, (rule,)) for rule in rules)
    if not isinstance(raw, list) or not raw:
        raise ScreeningRulesError("screening rules: 'groups' must be a non-empty list (or left out)")
    by_id = {rule.id: rule for rule in rules}
    placed: dict[str, str] = {}
    groups: list[Group] = []
    for index, entry in enumerate(raw):
        where = f"groups[{index}]"
        if not isinstance(entry, dict):
            raise ScreeningRulesError(f"screening rules: {where} must be a mapping")
        group_id = entry.get("id")
        if not isinstance(group_id, str) or not _ID.match(group_id):
            raise ScreeningRulesError(f"screening rules: {where}.id must be snake_case, got {group_id!r}")
        where = f"group '{group_id}'"
        members = entry.get("rules")
        if not isinstance(members, list) or not members:
            raise ScreeningRulesError(f"screening rules: {where}.rules must be a non-empty list of rule ids")
        for member in members:
            if member not in by_id:
                raise ScreeningRulesError(f"screening rules: {where}.rules names an unknown rule {member!r}")
            if member in placed:
                raise ScreeningRulesError(
                    f"screening rules: rule '{member}' is in both group '{placed[member]}' and {where}"
                )
            placed[member] = group_id
        groups.append(
            Group(
                id=group_id,
                title=_text(entry, "title", where),
                question=_text(entry, "question", where),
                explanation=_text(entry, "explanation", where),
                rules=tuple(by_id[m] for m in members),
            )
        )
    missing = [rule.id for rule in rules if rule.id not in placed]
    if missing:
        raise ScreeningRulesError(f"screening rules: rules not in any group: {', '.join(missing)}")
    return tuple(groups)


def _whole_number(raw: dict[str, Any], key: str, where: str, low: int, high: int) -> int:
    value = raw.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ScreeningRulesError(f"screening rules: {where}.{key} must be a whole number from {low} to {high}")
    return value


def _parse_age(raw: Any) -> AgeLimits:
    if not isinstance(raw, dict) or not isinstance(raw.get("young_adult"), dict):
        raise ScreeningRulesError("screening rules: 'age' must have 'minimum' and a 'young_adult' mapping")
    minimum = _whole_number(raw, "minimum", "age", 16, 25)
    young = raw["young_adult"]
    rule_id = young.get("id")
    if not isinstance(rule_id, str) or not _ID.match(rule_id):
        raise ScreeningRulesError(f"screening rules: age.young_adult.id must be snake_case, got {rule_id!r}")
    return AgeLimits(
        minimum=minimum,
        young_adult_until=_whole_number(young, "until", "age.young_adult", minimum, 30),
        young_adult_rule=rule_id,
        young_adult_level=_level(young.get("level"), "age.young_adult.level"),
        young_adult_label=_text(young, "label", "age.young_adult"),
    )


def parse_rules(raw: Any) -> ScreeningRules:
    if not isinstance(raw, dict) or not isinstance(raw.get("rules"), list) or not raw["rules"]:
        raise ScreeningRulesError("screening rules: the file must have a non-empty 'rules' list")
    rules: list[Rule] = []
    seen: set[str] = set()
    for index, entry in enumerate(raw["rules"]):
        rule = _parse_rule(entry, index)
        if rule.id in seen:
            raise ScreeningRulesError(f"screening rules: duplicate id '{rule.id}' (rules[{index}])")
        seen.add(rule.id)
        rules.append(rule)
    groups = _parse_groups(raw.get("groups"), tuple(rules))
    # Asked in the groups' order, so the stored answers and the summary follow what the patient saw.
    ordered = tuple(rule for group in groups for rule in group.rules)
    return ScreeningRules(ordered, groups, _text(raw, "unsure_note", "the file"), _parse_age(raw.get("age")))


def load_rules(path: Path | str) -> ScreeningRules:
    return parse_rules(read_yaml(path, ScreeningRulesError, "screening rules"))


@lru_cache(maxsize=4)
def cached_rules(path: str) -> ScreeningRules:
    """The rules as loaded once per process for the given file."""
    return load_rules(path)
