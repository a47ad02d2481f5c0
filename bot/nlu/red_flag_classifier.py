"""Rasa pipeline component: a red flag found by bot.nlu.red_flags overrides the model's intent.

It runs last in config.yml's pipeline, after FallbackClassifier, so a red flag that the trained
model missed, sent to fallback or mistook for a FAQ question is still answered as a red flag,
wherever the conversation is (the red-flag rules outrank every other rule and form). Loaded only by
Rasa (it imports Rasa); the matching itself lives in bot.nlu.red_flags.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.red_flags import red_flag_in


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class RedFlagClassifier(GraphComponent):
    """Sets the red-flag intent, with full confidence, when the message describes one."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "RedFlagClassifier":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = red_flag_in(message.get(TEXT))
            if intent is None:
                continue
            found = {INTENT_NAME_KEY: intent, PREDICTED_CONFIDENCE_KEY: 1.0}
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != intent]
            message.set(INTENT, found, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [found, *ranking], add_to_output=True)
        return messages
