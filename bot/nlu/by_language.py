"""One linear model per language, as a candidate against one model for both (`make eval` chooses).

Each training example goes to the model of the language it is written in (bot/language.py's
`detect`); one whose language cannot be told ("ok", "no", a name, a payload) goes to every model.
A message is read by its own language's model; when its language cannot be told either, by the
average of all of them. Every model's columns are laid out over the same labels (a label one
language never saw gets probability 0 there), so callers read it exactly like a LinearTextModel.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np

from bot.nlu.linear_model import LinearTextModel, Settings

LANGUAGES_FILE = "languages.json"
Detect = Callable[[str], Optional[str]]


def _detect(text: str) -> Optional[str]:
    from bot.language import detect  # imported late: this module is also loaded by Rasa's graph

    return detect(text)


class ByLanguageModel:
    def __init__(self, models: Dict[str, LinearTextModel], labels: List[str], detect: Detect = _detect) -> None:
        self.models = models
        self.labels = labels
        self._detect = detect
        index = {label: position for position, label in enumerate(labels)}
        self._columns = {language: [index[label] for label in model.labels] for language, model in models.items()}

    @property
    def settings(self) -> Settings:
        return next(iter(self.models.values())).settings

    @classmethod
    def fit(
        cls,
        texts: Sequence[str],
        labels: Sequence[str],
        languages: Sequence[str],
        settings: Settings,
        detect: Detect = _detect,
    ) -> "ByLanguageModel":
        written_in = [detect(text) for text in texts]
        models = {}
        for language in languages:
            mine = [i for i, found in enumerate(written_in) if found in (language, None)]
            models[language] = LinearTextModel.fit([texts[i] for i in mine], [labels[i] for i in mine], settings)
        return cls(models, sorted({str(label) for label in labels}), detect)

    def _spread(self, language: str, rows: np.ndarray) -> np.ndarray:
        """A language model's rows laid out over every label."""
        full = np.zeros((rows.shape[0], len(self.labels)))
        full[:, self._columns[language]] = rows
        return full

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text, one column per label (in `self.labels` order); rows sum to 1."""
        by_language = {
            language: self._spread(language, model.probabilities(texts)) for language, model in self.models.items()
        }
        average = sum(by_language.values()) / len(by_language)
        rows = [by_language.get(self._detect(text) or "", average)[i] for i, text in enumerate(texts)]
        return np.vstack(rows) if rows else np.zeros((0, len(self.labels)))

    # --- persistence ---------------------------------------------------------------------
    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / LANGUAGES_FILE).write_text(json.dumps({"languages": list(self.models), "labels": self.labels}))
        for language, model in self.models.items():
            model.save(directory / language)

    @classmethod
    def load(cls, directory: Path) -> "ByLanguageModel":
        saved = json.loads((directory / LANGUAGES_FILE).read_text(encoding="utf-8"))
        models = {language: LinearTextModel.load(directory / language) for language in saved["languages"]}
        return cls(models, saved["labels"])


def load_model(directory: Path):
    """The model saved in `directory`: per language when it was trained so, else one model."""
    return ByLanguageModel.load(directory) if (directory / LANGUAGES_FILE).exists() else LinearTextModel.load(directory)
