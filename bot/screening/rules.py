"""Loads and validates the clinic's screening rules (clinic/screening.yml) once at start-up.

Levels are data: the file decides what a "yes" means, the code only knows their order. Every text
a patient reads is written in English and, under `es:`, in Spanish; `ScreeningRules.in_language`
gives the rules with one language's texts in place. Terms are recognised in both languages always.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
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
from pydantic_core import PydanticCustomError

from bot.consultation import Level, VocabularyError
from bot.language import checked_language
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
class _FollowUpTexts(_Model):
    """The texts of a follow-up a patient reads, in one language."""

    question: Text
    ongoing_note: OptionalText = None
    defer_until: OptionalText = None


class FollowUp(_FollowUpTexts):
    """A question asked after a "yes" whose answer decides the level (kind `months_since` for now)."""

    model_config = ConfigDict(validate_default=True)  # so an unwritten level reaches _level

    kind: FollowUpKind
    threshold_months: Months
    level_within: FollowUpLevel = _UNWRITTEN
    level_after: FollowUpLevel = _UNWRITTEN
    level_ongoing: FollowUpLevel = _UNWRITTEN


class _FollowUpSpanish(_FollowUpTexts):
    question: Question


class _RuleTexts(_Model):
    """The texts of a rule a patient reads, and the terms that recognise it, in one language."""

    question: Question
    explanation: Text
    answer_note: Text
    terms: Terms
    defer_until: OptionalText = None
    label: OptionalText = None
    item: OptionalText = None


class RuleSpanish(_RuleTexts):
    """A rule's `es:` block: the Spanish of each text the rule has, and its Spanish terms."""

    follow_up: _FollowUpSpanish | None = None


def _untranslated(english: BaseModel, spanish: BaseModel, names: tuple[str, ...], prefix: str = "") -> list[str]:
    return [
        f"has '{prefix}{name}' but no Spanish 'es.{prefix}{name}'"
        for name in names
        if getattr(english, name) is not None and getattr(spanish, name) is None
    ]


class Rule(_RuleTexts):
    id: Id
    level: RuleLevel
    es: RuleSpanish
    follow_up: FollowUp | None = None

    @model_validator(mode="after")
    def _every_text_in_spanish(self) -> Rule:
        # A Spanish text without its English one is used as it is; only a missing one is a mistake
        # (and a Spanish follow-up for a rule without one, which nothing would ask).
        problems = _untranslated(self, self.es, ("label", "item", "defer_until", "follow_up"))
        if self.follow_up is not None and self.es.follow_up is not None:
            problems += _untranslated(self.follow_up, self.es.follow_up, ("ongoing_note", "defer_until"), "follow_up.")
        if self.follow_up is None and self.es.follow_up is not None:
            problems.append("has 'es.follow_up' but no 'follow_up' for it to translate")
        if problems:
            raise PydanticCustomError("rule_spanish", "{problems}", {"problems": "; ".join(problems)})
        return self

    @property
    def recognised_terms(self) -> tuple[str, ...]:
        """The terms of both languages, as the term reader recognises them in every conversation."""
        return tuple(dict.fromkeys(self.terms + self.es.terms))

    @property
    def asks_about_past(self) -> bool:
        """Whether having stopped still counts ("have you ever taken ...?"): its follow-up asks when
        it stopped, so "not any more" or "ya no" is a yes that the follow-up times."""
        return self.follow_up is not None and self.follow_up.kind == "months_since"

    def _in_spanish(self) -> Rule:
        spanish = self.es
        follow_up = self.follow_up
        if follow_up is not None and spanish.follow_up is not None:
            follow_up = follow_up.model_copy(update=spanish.follow_up.model_dump())
        return self.model_copy(
            update={
                "question": spanish.question,
                "explanation": spanish.explanation,
                "answer_note": spanish.answer_note,
                "defer_until": spanish.defer_until,
                "label": spanish.label,
                "item": spanish.item,
                "follow_up": follow_up,
            }
        )

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
    """The rules in the order they are asked, with the texts of one language (`language`)."""

    rules: tuple[Rule, ...]
    groups: tuple[Group, ...] = ()
    unsure_note: str = ""  # what the patient is told at the end about an answer they were unsure of
    age: AgeLimits = AgeLimits()
    language: str = "en"
    # The same rules in every language of the file, this one included (filled by parse_rules).
    translations: Mapping[str, ScreeningRules] = field(default_factory=dict, compare=False, repr=False)

    def in_language(self, language: str) -> ScreeningRules:
        """The same rules with the texts a patient reads (questions, explanations, notes, labels,
        items, follow-ups, groups, the unsure note and the young-adult label) in `language`, "en" or
        "es"; ValueError for any other. Ids, levels, thresholds, the order and the terms (both
        languages') are the same in every language, so answers given in one read the same in another."""
        if checked_language(language) == self.language:
            return self
        if language not in self.translations:
            raise ValueError(f"these screening rules have no {language!r} texts")
        return self.translations[language]

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


class _GroupSpanish(_Model):
    title: Text
    question: Text
    explanation: Text


class _GroupEntry(_Model):
    id: Id
    title: Text
    question: Text
    explanation: Text
    rules: Annotated[tuple[str, ...], Field(min_length=1)]  # rule ids, checked by _RulesFile
    es: _GroupSpanish

    def texts(self, language: str) -> tuple[str, str, str]:
        texts = self if language == "en" else self.es
        return texts.title, texts.question, texts.explanation


class _YoungAdultSpanish(_Model):
    label: Text


class _YoungAdult(_Model):
    id: Id
    until: YoungAdultUntil
    level: RuleLevel
    label: Text
    es: _YoungAdultSpanish


class _FileSpanish(_Model):
    unsure_note: Text


class _Age(_Model):
    minimum: MinimumAge
    young_adult: _YoungAdult


class _RulesFile(_Model):
    unsure_note: Text
    es: _FileSpanish
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

    def groups_to_ask(self, language: str = "en") -> tuple[Group, ...]:
        rules = self.rules if language == "en" else tuple(rule._in_spanish() for rule in self.rules)
        if self.groups is None:
            return tuple(Group(rule.id, rule.short, rule.question, rule.explanation, (rule,)) for rule in rules)
        by_id = {rule.id: rule for rule in rules}
        return tuple(
            Group(group.id, *group.texts(language), tuple(by_id[m] for m in group.rules)) for group in self.groups
        )

    def rules_in(self, language: str, translations: Mapping[str, ScreeningRules]) -> ScreeningRules:
        groups = self.groups_to_ask(language)
        young = self.age.young_adult
        return ScreeningRules(
            # Asked in the groups' order, so the stored answers and the summary follow what the patient saw.
            rules=tuple(rule for group in groups for rule in group.rules),
            groups=groups,
            unsure_note=self.unsure_note if language == "en" else self.es.unsure_note,
            age=AgeLimits(
                self.age.minimum,
                young.until,
                young.id,
                young.level,
                young.label if language == "en" else young.es.label,
            ),
            language=language,
            translations=translations,
        )


def parse_rules(raw: Any) -> ScreeningRules:
    """The rules with their English texts; `.in_language("es")` gives them with the Spanish."""
    if not isinstance(raw, dict):
        raise ScreeningRulesError(f"{_LABEL}: the file must be a mapping of fields")
    try:
        file = _RulesFile.model_validate(raw)
    except ValidationError as error:
        raise ScreeningRulesError(friendly_errors(_LABEL, error)) from None
    translations: dict[str, ScreeningRules] = {}
    translations.update((language, file.rules_in(language, translations)) for language in ("en", "es"))
    return translations["en"]


def load_rules(path: Path | str) -> ScreeningRules:
    return parse_rules(read_yaml(path, ScreeningRulesError, _LABEL))


@lru_cache(maxsize=4)
def cached_rules(path: str) -> ScreeningRules:
    """The rules as loaded once per process for the given file."""
    return load_rules(path)
