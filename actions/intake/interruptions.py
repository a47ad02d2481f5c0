"""Questions asked in the middle of the intake: answered, then the intake asks again.

The form takes every message as a possible answer. When a message could not be read as an answer
and the NLU is confident it is a question, the question is answered here."""
from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.clinic_info import clinic_answer

CONFIDENT = 0.6


def answer_interruption(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """Answers the latest message if it is a confident FAQ or clinic question; True if it did."""
    intent = tracker.latest_message.get("intent") or {}
    if (intent.get("confidence") or 0) < CONFIDENT:
        return False
    name = intent.get("name", "")
    if name == "faq":
        selected = (tracker.latest_message.get("response_selector") or {}).get("faq", {}).get("response", {})
        responses = selected.get("responses") or []
        if (selected.get("confidence") or 0) >= CONFIDENT and responses and responses[0].get("text"):
            dispatcher.utter_message(text=responses[0]["text"])
            return True
        return False
    answer = clinic_answer(name)
    if answer:
        dispatcher.utter_message(text=answer)
        return True
    return False
