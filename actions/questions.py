"""Answers to the questions the NLU found in a message: one label ("faq/pain", "ask_price") at a
time, and both of two questions asked in one message (intent `two_questions`, whose labels the
NLU puts in the message's `questions`, in the order they were asked)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.clinic_info import answer_clinic_question, in_a_form
from actions.session import language_of

TWO_QUESTIONS = "two_questions"
FAQ_PREFIX = "faq/"


def answer_question(dispatcher: CollectingDispatcher, label: str, in_form: bool = False, language: str = "en") -> bool:
    """Answers one question by its label (the clinic's facts in `language`); False when the label
    is not a question we answer. `in_form`: asked while a form waits for an answer
    (actions/clinic_info.py)."""
    if label.startswith(FAQ_PREFIX):
        dispatcher.utter_message(response=f"utter_{label}")
        return True
    return answer_clinic_question(dispatcher, label, in_form, language)


def questions_asked(tracker: Tracker) -> list[str]:
    return [label for label in tracker.latest_message.get("questions") or [] if isinstance(label, str)]


class ActionAnswerQuestions(Action):
    def name(self) -> str:
        return "action_answer_questions"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        in_form, language = in_a_form(tracker), language_of(tracker)
        answered = [answer_question(dispatcher, label, in_form, language) for label in questions_asked(tracker)]
        if not any(answered):  # never silence
            dispatcher.utter_message(response="utter_out_of_scope")
        return []
