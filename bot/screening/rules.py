"""Loads and validates the clinic's screening rules (clinic/screening.yml) once at start-up.

Levels are data: the file decides what a "yes" means, the code only knows their order.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationError,
    model_validator,
)

from bot.consultation import Level, VocabularyError
from bot.yaml_files import friendly_errors, read_yaml

_LABEL = "screening rules"
_ID = re.compile(r"^[a-z][a-z0-9_]{1,59}$")
_FOLLOW_UP_KINDS = ("months_since",)
_MAX_QUESTION = 300
_UNWRITTEN = object()  # the default of a key that must be written, even if only as null


class ScreeningRulesError(ValueError):
    """The rules file is missing, unreadable or has a wrong field; the message names it."""


def _one_line(value: Any) -> Any:
    # Staff wrap long texts over lines; the patient reads one line. `question:` left empty is None.
    if value is None:
        return ""
    return " ".join(value.split()) if isinstance(value, str) else value


def _blank_is_none(value: Any) -> Any:
    return None if _one_line(value) == "" else _one_line(value)


def _snake_case(value: Any) -> str:
    if not isinstance(value, str) or not _ID.match(value):
        raise ValueError(f"must be snake_case (lower-case letters, digits, _), got {value!r}")
    return value


def _follow_up_kind(value: Any) -> str:
    if value not in _FOLLOW_UP_KINDS:
        raise ValueError(f"must be one of {', '.join(_FOLLOW_UP_KINDS)}, got {value!r}")
    return value


def _whole_number(low: int, high: int, what: str = "whole number") -> Any:
    def check(value: Any) -> int:
        # `true` is an int to Python, and 6.5 or "six" is a typing mistake: neither is a number here.
        if type(value) is not int or not low <= value <= high:
            raise ValueError(f"must be a {what} from {low} to {high}, got {value!r}")
        return value

    return Annotated[int, PlainValidator(check)]


def _level(value: Any) -> Level:
    # A forgotten level must not quietly mean "no level": null says so on purpose.
    if value is _UNWRITTEN:
        raise ValueError("is missing (use null for no level)")
    try:
        return Level.parse(value, "")  # no place: friendly_errors names the field in front
    except VocabularyError as error:
        raise ValueError(str(error).strip()) from None


def _short_question(question: str) -> str:
    if len(question) > _MAX_QUESTION:
        raise ValueError(f"is longer than {_MAX_QUESTION} characters")
    return question


Text = Annotated[str, Field(min_length=1), BeforeValidator(_one_line)]
OptionalText = Annotated[str | None, BeforeValidator(_blank_is_none)]
Question = Annotated[Text, AfterValidator(_short_question)]
Id = Annotated[str, PlainValidator(_snake_case)]
# Terms are matched lower-case; a term written twice is kept once.
Terms = Annotated[
    tuple[Annotated[Text, AfterValidator(str.lower)], ...],
    Field(min_length=1),
    AfterValidator(lambda terms: tuple(dict.fromkeys(terms))),
]
RuleLevel = Annotated[Level, PlainValidator(_level)]
FollowUpLevel = Annotated[Level | None, PlainValidator(lambda value: None if value is None else _level(value))]
FollowUpKind = Annotated[str, PlainValidator(_follow_up_kind)]
Months = _whole_number(1, 120, "whole number of months")
MinimumAge = _whole_number(16, 25)
YoungAdultUntil = _whole_number(16, 30)  # and not under the minimum, checked by _RulesFile


class _Model(BaseModel):
    # A misspelt key (`defer_untill`) is refused rather than silently ignored.
    model_config = ConfigDict(frozen=True, extra="forbid")


# FollowUp and Rule are written in the file as they are used; Group, AgeLimits and ScreeningRules
# are built from the file once it is valid (rule ids resolved to rules, keys renamed).
class FollowUp(_Model):
    """A question asked after a "yes" whose answer decides the level (kind `months_since` for now)."""

    model_config = ConfigDict(validate_default=True)  # so an unwritten level reaches _level

    kind: FollowUpKind
    question: Text
    threshold_months: Months
    level_within: FollowUpLevel = _UNWRITTEN
    level_after: FollowUpLevel = _UNWRITTEN
    level_ongoing: FollowUpLevel = _UNWRITTEN
    ongoing_note: OptionalText = None
    defer_until: OptionalText = None


class Rule(_Model):
    id: Id
    question: Question
    explanation: Text
    level: RuleLevel
    answer_note: Text
    terms: Terms
    defer_until: OptionalText = None
    follow_up: FollowUp | None = None
    label: OptionalText = None
    item: OptionalText = None

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


class _GroupEntry(_Model):
    id: Id
    title: Text
    question: Text
    explanation: Text
    rules: Annotated[tuple[str, ...], Field(min_length=1)]  # rule ids, checked by _RulesFile


class _YoungAdult(_Model):
    id: Id
    until: YoungAdultUntil
    level: RuleLevel
    label: Text


class _Age(_Model):
    minimum: MinimumAge
    young_adult: _YoungAdult


class _RulesFile(_Model):
    unsure_note: Text
    age: _Age
    rules: Annotated[tuple[Rule, ...], Field(min_length=1)]
    groups: Annotated[tuple[_GroupEntry, ...], Field(min_length=1)] | None = None  # none: each rule alone

    @model_validator(mode="after")
    def _parts_agree(self) -> _RulesFile:
        # Checks across fields, named by id: the file is searched for ids, not counted through.
        young, minimum = self.age.young_adult, self.age.minimum
        if young.until < minimum:
            raise ValueError(f"'age.young_adult.until' ({young.until}) must not be under 'age.minimum' ({minimum})")
        ids = [rule.id for rule in self.rules]
        for index, rule_id in enumerate(ids):
            if rule_id in ids[:index]:
                raise ValueError(f"duplicate id '{rule_id}' (rules[{index}])")
        placed: dict[str, str] = {}
        for group in self.groups or ():
            for member in group.rules:
                if member not in ids:
                    raise ValueError(f"group '{group.id}' names an unknown rule {member!r}")
                if member in placed:
                    raise ValueError(f"rule '{member}' is in both group '{placed[member]}' and group '{group.id}'")
                placed[member] = group.id
        missing = [rule_id for rule_id in ids if rule_id not in placed]
        if self.groups and missing:
            raise ValueError(f"rules not in any group: {', '.join(missing)}")
        return self

    def groups_to_ask(self) -> tuple[Group, ...]:
        if self.groups is None:
            return tuple(Group(rule.id, rule.short, rule.question, rule.explanation, (rule,)) for rule in self.rules)
        by_id = {rule.id: rule for rule in self.rules}
        return tuple(
            Group(group.id, group.title, group.question, group.explanation, tuple(by_id[m] for m in group.rules))
            for group in self.groups
        )


def parse_rules(raw: Any) -> ScreeningRules:
    if not isinstance(raw, dict):
        raise ScreeningRulesError(f"{_LABEL}: the file must be a mapping of fields")
    try:
        file = _RulesFile.model_validate(raw)
    except ValidationError as error:
        raise ScreeningRulesError(friendly_errors(_LABEL, error)) from None
    groups = file.groups_to_ask()
    young = file.age.young_adult
    return ScreeningRules(
        # Asked in the groups' order, so the stored answers and the summary follow what the patient saw.
        rules=tuple(rule for group in groups for rule in group.rules),
        groups=groups,
        unsure_note=file.unsure_note,
        age=AgeLimits(file.age.minimum, young.until, young.id, young.level, young.label),
    )


def load_rules(path: Path | str) -> ScreeningRules:
    return parse_rules(read_yaml(path, ScreeningRulesError, _LABEL))


@lru_cache(maxsize=4)
def cached_rules(path: str) -> ScreeningRules:
    """The rules as loaded once per process for the given file."""
    return load_rules(path)
