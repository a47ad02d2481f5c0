"""The clinic's screening rules and the term reader, built once per action-server process, where the
patient is in the screening, and the action that asks its current question (in the conversation's
language: the rules' texts from `ScreeningRules.in_language`)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.config import screening_rules
from actions.intake.slots import answer_from_slot
from actions.session import language_of
from bot.screening.answers import RuleAnswer
from bot.screening.groups import Asking, Position, Question, next_question
from bot.screening.terms import TermReader


@lru_cache(maxsize=1)
def term_reader() -> TermReader:
    return TermReader(screening_rules())


def screening_position(tracker: Tracker) -> Position:
    return Position(int(tracker.get_slot("screening_index") or 0), bool(tracker.get_slot("screening_one_at_a_time")))


def screening_answers_so_far(tracker: Tracker) -> list[RuleAnswer]:
    return [answer_from_slot(item) for item in tracker.get_slot("screening_answers") or []]


def current_question(tracker: Tracker, language: str | None = None) -> Question | None:
    """The question the patient is at; its texts in `language` (as asked), else the rules' own."""
    rules = screening_rules() if language is None else screening_rules().in_language(language)
    return next_question(rules, screening_position(tracker), screening_answers_so_far(tracker))


class ActionAskScreeningReply(Action):
    """Asks the screening question the patient is at: a group's list, one item, or a follow-up."""

    def name(self) -> str:
        return "action_ask_screening_reply"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        question = current_question(tracker, language_of(tracker))
        if question is None:
            return []
        parts = len(screening_rules().groups)
        if question.asking is Asking.FOLLOW_UP:
            dispatcher.utter_message(response="utter_screening_follow_up", question=question.rule.follow_up.question)
            return []
        first_time = not (
            tracker.get_slot("screening_answers")
            or tracker.get_slot("screening_one_at_a_time")
            or tracker.get_slot("invalid_attempts")
        )
        if question.part == 1 and first_time:
            dispatcher.utter_message(response="utter_screening_intro")
        if question.asking is Asking.GROUP:
            items = "\n".join(f"{number}. {rule.listed}" for number, rule in enumerate(question.group.rules, 1))
            dispatcher.utter_message(
                response="utter_screening_group",
                part=question.part,
                parts=parts,
                title=question.group.title,
                question=question.group.question,
                items=items,
            )
        else:
            dispatcher.utter_message(
                response="utter_screening_rule",
                part=question.part,
                parts=parts,
                title=question.group.title,
                question=question.rule.question,
                explanation=question.rule.explanation,
            )
        return []
