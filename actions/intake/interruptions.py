"""Questions asked in the middle of the intake: answered, then the intake asks again.

The form takes every message as a possible answer. When a message could not be read as an answer
and the NLU is confident it is a question, the question is answered here."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.questions import TWO_QUESTIONS, answer_question, questions_asked
from actions.session import language_of

CONFIDENT = 0.6


def answer_interruption(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """Answers the latest message if it is a confident FAQ or clinic question (or two); True if it did."""
    intent = tracker.latest_message.get("intent") or {}
    if (intent.get("confidence") or 0) < CONFIDENT:
        return False
    name = intent.get("name", "")
    language = language_of(tracker)
    if name == TWO_QUESTIONS:
        return any([answer_question(dispatcher, label, True, language) for label in questions_asked(tracker)])
    if name == "faq":
        selected = (tracker.latest_message.get("response_selector") or {}).get("faq", {}).get("response", {})
        topic = selected.get("intent_response_key")
        confident = (selected.get("confidence") or 0) >= CONFIDENT
        return bool(topic) and confident and answer_question(dispatcher, topic, True, language)
    return answer_question(dispatcher, name, True, language)
