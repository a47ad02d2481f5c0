"""Rasa pipeline component: intents and FAQ answers from one linear model (bot.nlu.linear_model).

It replaces DIETClassifier and ResponseSelector together. Every training example is labelled
with its full name, so FAQ topics (`faq/sun`, `faq/aftercare`) compete with clinic questions,
red flags and out-of-scope messages in one softmax. Its output has the shapes Rasa's own
components write, so FallbackClassifier, `utter_faq` (ActionRetrieveResponse) and our actions
read it unchanged:

- `intent`: the top-level intent of the best label (`faq` for `faq/sun`), with that label's
  probability as confidence: a message that is torn between two FAQ topics is not confident.
- `intent_ranking`: top-level intents, each with the probability of its best label.
- `response_selector.faq`: the best FAQ topic, its confidence among FAQ topics, its answers.

Long messages are also read in parts (bot.nlu.question_segments): a question inside a story is
answered from its own part, and two questions get the intent `two_questions` (set here, never
learned: its NLU examples only document it) with both labels in `questions`, in the order asked.

Rasa warns at training time that the data has FAQ examples but no ResponseSelector: expected.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text, Tuple

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    INTENT_RESPONSE_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.by_language import ByLanguageModel, load_model
from bot.nlu.linear_model import LinearTextModel, Settings
from bot.nlu.question_segments import Reading, Thresholds, choose, split_parts

RESPONSES_FILE = "responses.json"
SEPARATOR = "/"  # Rasa's retrieval intent separator: faq/sun
QUESTIONS_KEY = "questions"  # the labels of two questions in one message, in the order asked


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class LinearIntentClassifier(GraphComponent, IntentClassifier):
    """Logistic regression over word and character n-grams; see the module docstring."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        defaults = Settings()
        return {
            "C": defaults.C,
            "word_ngrams": list(defaults.word_ngrams),
            "char_ngrams": list(defaults.char_ngrams),
            "char_min_df": defaults.char_min_df,
            "fold_accents": defaults.fold_accents,
            # One model per language (bot/nlu/by_language.py), e.g. [en, es]; empty: one for all.
            "models_per_language": [],
            "ranking_length": 10,
            # Questions answered from a part of a long message (FAQ topics are always answerable).
            "question_intents": [],
            "two_questions_intent": "two_questions",
        }

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: Optional[LinearTextModel | ByLanguageModel] = None,
        responses: Optional[Dict[Text, List[Dict[Text, Any]]]] = None,
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._responses = responses or {}
        self._use(model)

    def _use(self, model: Optional[LinearTextModel | ByLanguageModel]) -> None:
        """Keeps the model and works out once which label belongs to which intent (not per message)."""
        self._model = model
        labels = model.labels if model else []
        self._intent_of_label = [label.split(SEPARATOR, 1)[0] for label in labels]
        self._retrieval_intents = sorted(
            {intent for intent, label in zip(self._intent_of_label, labels) if label != intent}
        )

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "LinearIntentClassifier":
        return cls(config, model_storage, resource)

    @staticmethod
    def required_packages() -> List[Text]:
        return ["sklearn", "scipy"]

    # --- training --------------------------------------------------------------------------
    def train(self, training_data: TrainingData) -> Resource:
        derived = self._config["two_questions_intent"]
        examples = [e for e in training_data.intent_examples if e.get(TEXT) and e.get(INTENT) != derived]
        texts = [e.get(TEXT) for e in examples]
        labels = [e.get(INTENT_RESPONSE_KEY) or e.get(INTENT) for e in examples]
        settings = Settings(
            C=float(self._config["C"]),
            word_ngrams=tuple(self._config["word_ngrams"]),
            char_ngrams=tuple(self._config["char_ngrams"]),
            char_min_df=int(self._config["char_min_df"]),
            fold_accents=bool(self._config["fold_accents"]),
        )
        per_language = list(self._config["models_per_language"])
        if per_language:
            self._use(ByLanguageModel.fit(texts, labels, per_language, settings))
        else:
            self._use(LinearTextModel.fit(texts, labels, settings))
        self._responses = dict(training_data.responses)
        self.persist()
        return self._resource

    def persist(self) -> None:
        import rasa.shared.utils.io

        with self._model_storage.write_to(self._resource) as directory:
            self._model.save(directory)
            rasa.shared.utils.io.dump_obj_as_json_to_file(directory / RESPONSES_FILE, self._responses)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "LinearIntentClassifier":
        import rasa.shared.utils.io

        with model_storage.read_from(resource) as directory:
            model = load_model(directory)
            responses = rasa.shared.utils.io.read_json_file(directory / RESPONSES_FILE)
        return cls(config, model_storage, resource, model, responses)

    # --- prediction ------------------------------------------------------------------------
    def process(self, messages: List[Message]) -> List[Message]:
        if self._model is None:
            return messages  # nothing trained (no NLU data): leave the message as it is
        probabilities = self._model.probabilities([m.get(TEXT) or "" for m in messages])
        for message, row in zip(messages, probabilities):
            questions, row = self._questions_in_parts(message.get(TEXT) or "", row)
            self._set_intent(message, row)
            self._set_retrieval_answers(message, row)
            if len(questions) == 2:
                self._set_two_questions(message, questions)
        return messages

    def _reading(self, row: np.ndarray) -> Reading:
        best = int(np.argmax(row))
        return Reading(self._model.labels[best], float(row[best]))

    def _answerable(self, label: Text) -> bool:
        return SEPARATOR in label or label in self._config["question_intents"]

    def _questions_in_parts(self, text: Text, row: np.ndarray) -> Tuple[List[Reading], np.ndarray]:
        """The questions asked in the message's parts, and the row to read it by (see the module
        docstring); ([], row) when the whole message is read as it is."""
        parts = split_parts(text)
        if not parts:
            return [], row
        part_rows = self._model.probabilities([part.text for part in parts])
        readings = [self._reading(part_row) for part_row in part_rows]
        choice = choose(self._reading(row), readings, self._answerable, Thresholds(), [part.asks for part in parts])
        if not choice.parts:
            return [], row
        return [readings[index] for index in choice.parts], part_rows[choice.parts[0]]

    def _set_two_questions(self, message: Message, questions: List[Reading]) -> None:
        confidence = min(question.confidence for question in questions)
        # The other intents share what is left, so FallbackClassifier sees a clear first choice.
        rest = [
            {**entry, PREDICTED_CONFIDENCE_KEY: entry[PREDICTED_CONFIDENCE_KEY] * (1 - confidence)}
            for entry in message.get(INTENT_RANKING_KEY)
        ]
        intent = {INTENT_NAME_KEY: self._config["two_questions_intent"], PREDICTED_CONFIDENCE_KEY: confidence}
        message.set(INTENT, intent, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [intent, *rest][: self._config["ranking_length"]], add_to_output=True)
        message.set(QUESTIONS_KEY, [question.label for question in questions], add_to_output=True)

    def _set_intent(self, message: Message, row: np.ndarray) -> None:
        best_per_intent: Dict[Text, float] = {}
        for intent, probability in zip(self._intent_of_label, row):
            best_per_intent[intent] = max(best_per_intent.get(intent, 0.0), float(probability))
        ranking = sorted(best_per_intent.items(), key=lambda item: item[1], reverse=True)
        ranking = [{INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: p} for name, p in ranking]
        message.set(INTENT, ranking[0], add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking[: self._config["ranking_length"]], add_to_output=True)

    def _set_retrieval_answers(self, message: Message, row: np.ndarray) -> None:
        selector: Dict[Text, Any] = {"all_retrieval_intents": self._retrieval_intents}
        for retrieval_intent in self._retrieval_intents:
            topics = [
                (label, float(p))
                for label, intent, p in zip(self._model.labels, self._intent_of_label, row)
                if intent == retrieval_intent and label != intent
            ]
            total = sum(p for _, p in topics) or 1.0
            topics.sort(key=lambda item: item[1], reverse=True)
            best, best_probability = topics[0]
            selector[retrieval_intent] = {
                "response": {
                    "responses": self._responses.get(f"utter_{best}", []),
                    PREDICTED_CONFIDENCE_KEY: best_probability / total,  # among this intent's topics
                    INTENT_RESPONSE_KEY: best,
                    "utter_action": f"utter_{best}",
                },
                "ranking": [
                    {PREDICTED_CONFIDENCE_KEY: p / total, INTENT_RESPONSE_KEY: label}
                    for label, p in topics[: self._config["ranking_length"]]
                ],
            }
        message.set("response_selector", selector, add_to_output=True)
