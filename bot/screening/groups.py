"""The screening asked group by group: what to ask next, and how a reply moves it on.

Each group is one question listing its rules as numbered items. "None of these" answers every item
no in one turn; naming items (numbers, labels or the patient's own words) answers those yes and the
rest no; "not sure", or a yes without saying which, goes through that group one question at a time
(Yes / No / Not sure), so nobody has to guess. A rule with a follow-up (isotretinoin: when was the
last dose?) is asked it straight after it is answered yes. The state is the group's position, whether
it is being asked one at a time, and the answers so far; the pending follow-up and the questions
left are read from the answers, so nothing can drift out of step. Replies are read in English and
Spanish alike ("ninguna", "la segunda", "todas", "1 y 3").
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from bot.intake.text import normalise_free_text, without_accents
from bot.screening.answers import ANSWER_MAX_LEN, Finding, RuleAnswer, YesNo, answer_rule, read_yes_no, unsure_answer
from bot.screening.follow_ups import answer_follow_up
from bot.screening.rules import Group, Rule, ScreeningRules

FindTerms = Callable[[str], Sequence[Finding]]
_LEADING_ANSWER = re.compile(r"^\s*(?:no|nope|nah|nop|yes|yeah|yep|yup|s[ií]|sip)\s*[,.;:!-]+\s*", re.IGNORECASE)


class Asking(enum.Enum):
    GROUP = "group"  # the group's list of items
    RULE = "rule"  # one rule's own yes/no question
    FOLLOW_UP = "follow_up"  # the follow-up of a rule just answered yes


@dataclass(frozen=True)
class Question:
    asking: Asking
    group: Group
    part: int  # 1-based position of the group, for "part 2 of 4"
    rule: Rule | None = None


@dataclass(frozen=True)
class Position:
    group_index: int = 0
    one_at_a_time: bool = False


@dataclass(frozen=True)
class Step:
    """Where a reply leaves the screening; `unsure` when the patient said they did not know."""

    position: Position
    answers: tuple[RuleAnswer, ...]
    unsure: bool = False
    one_at_a_time_now: bool = False  # the group reply asked for the items one by one
    done: bool = False


def _awaiting(answers: Sequence[RuleAnswer]) -> RuleAnswer | None:
    return next((answer for answer in answers if answer.awaiting_follow_up), None)


def next_question(rules: ScreeningRules, position: Position, answers: Sequence[RuleAnswer]) -> Question | None:
    """What to ask now, or None when the screening is complete."""
    if position.group_index >= len(rules.groups):
        return None
    group = rules.groups[position.group_index]
    part = position.group_index + 1
    pending = _awaiting(answers)
    if pending is not None:
        return Question(Asking.FOLLOW_UP, group, part, rules[pending.rule_id])
    answered = {answer.rule_id for answer in answers}
    left = [rule for rule in group.rules if rule.id not in answered]
    if position.one_at_a_time or len(group.rules) == 1:
        return Question(Asking.RULE, group, part, left[0]) if left else None
    return Question(Asking.GROUP, group, part)


def _moved_on(rules: ScreeningRules, position: Position, answers: tuple[RuleAnswer, ...], **flags: bool) -> Step:
    """The step after an answer: the next group once every item of this one is answered."""
    group = rules.groups[position.group_index]
    answered = {answer.rule_id for answer in answers}
    if _awaiting(answers) is None and all(rule.id in answered for rule in group.rules):
        position = Position(position.group_index + 1)
    return Step(position, answers, done=position.group_index >= len(rules.groups), **flags)


def apply_reply(
    rules: ScreeningRules,
    position: Position,
    answers: Sequence[RuleAnswer],
    text: object,
    today: date,
    find_terms: FindTerms,
) -> Step | None:
    """The screening after `text` answers the current question; None when it cannot be read, so the
    question is asked again."""
    question = next_question(rules, position, answers)
    if question is None:
        return Step(position, tuple(answers), done=True)
    cleaned = normalise_free_text(text, ANSWER_MAX_LEN)
    answers = tuple(answers)
    if question.asking is Asking.FOLLOW_UP:
        index = next(i for i, answer in enumerate(answers) if answer.awaiting_follow_up)
        completed = answer_follow_up(question.rule, answers[index], cleaned, today)
        if completed is None:
            return None
        answers = answers[:index] + (completed,) + answers[index + 1 :]
        return _moved_on(rules, position, answers, unsure=completed.unsure)
    if question.asking is Asking.RULE:
        answer = answer_rule(question.rule, cleaned, find_terms(cleaned) if cleaned else ())
        if answer is None:
            return None
        return _moved_on(rules, position, answers + (answer,), unsure=answer.unsure)
    reply = read_group_reply(question.group, cleaned, find_terms)
    if reply is None:
        return None
    if reply.one_at_a_time:
        return Step(replace(position, one_at_a_time=True), answers, one_at_a_time_now=True)
    return _moved_on(rules, position, answers + reply.answers, unsure=any(a.unsure for a in reply.answers))


# ---- one reply to a group's list ----------------------------------------------------------------


@dataclass(frozen=True)
class GroupReply:
    answers: tuple[RuleAnswer, ...] = ()
    one_at_a_time: bool = False


_NONE_OF_THESE = re.compile(
    r"^\W*(?:no\W+)?(?:none|nothing|neither)(?: of (?:these|those|them|the above|that|this))?(?: apply| applies)?"
    r"(?: to me)?\W*$|^\W*(?:no|nope|nah|no to all|all no|not any|not any of (?:these|those|them))\W*$|"
    # Spanish, read without accents: "ninguna", "ninguna de estas", "no, nada de eso", "no me pasa ninguna".
    r"^\W*(?:no\W+)?(?:no (?:me pasa|me ocurre|tengo) )?(?:ningun[oa]s?|nada)(?: de (?:estas|estos|esas|esos|ellas|"
    r"ellos|las anteriores|los anteriores|eso|esto|la lista))?(?: cosas)?(?: me (?:pasa|pasan|ocurre|ocurren|aplica|"
    r"aplican))?(?: (?:a mi|en mi caso))?\W*$|^\W*(?:nop|no a todo|a todo que no|todo no|no a ninguna)\W*$"
)
# A number naming an item, but not a number of days or weeks ("I was in Spain 10 days ago").
_ITEM_NUMBER = re.compile(
    r"(?<![\w./:])(\d{1,2})(?!\w|[./:]\d|\s*(?:days?|weeks?|months?|years?|yrs?|wks?|"
    r"hours?|times?|x|am|pm|mg|st|nd|rd|th|d[ií]as?|semanas?|mes|meses|a[ñn]os?|horas?|veces|vez)\b)",
    re.IGNORECASE,
)
_ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "last": -1,
}
_ORDINAL = re.compile(r"\b(?:the )?(" + "|".join(_ORDINALS) + r") (?:one|item|thing)\b", re.IGNORECASE)
_SPANISH_ORDINALS = {
    **dict.fromkeys(("primera", "primero", "primer"), 1),
    **dict.fromkeys(("segunda", "segundo"), 2),
    **dict.fromkeys(("tercera", "tercero", "tercer"), 3),
    **dict.fromkeys(("cuarta", "cuarto"), 4),
    **dict.fromkeys(("quinta", "quinto"), 5),
    **dict.fromkeys(("sexta", "sexto"), 6),
    **dict.fromkeys(("septima", "septimo", "setima", "setimo"), 7),
    **dict.fromkeys(("octava", "octavo"), 8),
    **dict.fromkeys(("novena", "noveno"), 9),
    **dict.fromkeys(("decima", "decimo"), 10),
    **dict.fromkeys(("ultima", "ultimo"), -1),
}
# "la segunda", "el primero y el último" (read without accents); never "la primera vez" or "un segundo".
_SPANISH_ORDINAL = re.compile(
    r"\b(?:el|la|lo de la|los de la)\s+(" + "|".join(_SPANISH_ORDINALS) + r")\b"
    r"(?=\s*(?:$|[,.;:!?)]|y\b|e\b|o\b|u\b|opcion|cosa|punto|pregunta|de la lista))"
)


def _numbered(group: Group, text: str) -> set[int] | None:
    """The items named by number ("2", "1 and 3", "the second one"); None when a number is out of range."""
    picked: set[int] = set()
    for match in _ITEM_NUMBER.finditer(text):
        number = int(match.group(1))
        if not 1 <= number <= len(group.rules):
            return None
        picked.add(number - 1)
    ordinals = [_ORDINALS[match.group(1).lower()] for match in _ORDINAL.finditer(text)]
    ordinals += [_SPANISH_ORDINALS[m.group(1)] for m in _SPANISH_ORDINAL.finditer(without_accents(text.lower()))]
    for number in ordinals:
        index = len(group.rules) - 1 if number == -1 else number - 1
        if index >= len(group.rules):
            return None
        picked.add(index)
    return picked


_ALL_OF_THEM = re.compile(
    r"^\W*(?:(?:yes|si)\W+)?(?:both|all|all of (?:them|these|those|the above)|every one|todas|todos|"
    r"tod[oa]s (?:ellas|ellos|estas|estos|esas|esos|las anteriores|los anteriores)|ambas|ambos|las dos|los dos|"
    r"(?:si )?a todo)\W*$",
    re.IGNORECASE,
)


def _labelled(group: Group, text: str) -> set[int]:
    """Items named by their label or listed wording, as a button tap or a copied line gives them."""
    lowered = " ".join(text.lower().split())
    return {index for index, rule in enumerate(group.rules) if lowered in {rule.listed.lower(), rule.short.lower()}}


def read_group_reply(group: Group, text: str, find_terms: FindTerms) -> GroupReply | None:
    """What one reply says about every item of `group`; None when it says nothing readable."""
    if not text:
        return None
    # To a list, a leading "no," answers the list and what follows is an exception to it, so that
    # "no" must not negate it ("no, I used to get fever blisters"); to one question it is the answer.
    findings = find_terms(_LEADING_ANSWER.sub("", text))
    reading = read_yes_no(text)
    numbers = _numbered(group, text)
    if numbers is None:
        return None
    ids = [rule.id for rule in group.rules]
    picked = numbers | _labelled(group, text)
    if _ALL_OF_THEM.match(without_accents(text)):
        picked = set(range(len(group.rules)))
    # Named without a negation, or stopped for a rule that asks about the past ("ya no tomo Roacután").
    picked |= {index for index, rule in enumerate(group.rules) if any(f.applies_to(rule) for f in findings)}
    if picked:
        answers = []
        for index, rule in enumerate(group.rules):
            if index not in picked:
                answers.append(RuleAnswer(rule.id, text, affirmed=False, level=None, question=rule.question))
            elif reading is YesNo.UNSURE:
                answers.append(unsure_answer(rule, text))
            else:
                answers.append(
                    RuleAnswer(
                        rule.id,
                        text,
                        affirmed=True,
                        level=rule.level,
                        question=rule.question,
                        awaiting_follow_up=rule.follow_up is not None,
                    )
                )
        return GroupReply(tuple(answers))
    negated_only = any(f.rule_id in ids for f in findings)
    if _NONE_OF_THESE.match(without_accents(text.lower())) or reading is YesNo.NO or (negated_only and reading is None):
        return GroupReply(
            tuple(RuleAnswer(rule.id, text, affirmed=False, level=None, question=rule.question) for rule in group.rules)
        )
    if reading in (YesNo.UNSURE, YesNo.YES):
        return GroupReply(one_at_a_time=True)  # "not sure" or "yes" without which: item by item
    return None
