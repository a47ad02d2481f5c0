"""A text classifier small enough to read: TF-IDF word and character n-grams into one multinomial
logistic regression (scikit-learn), with a save format that holds no pickled code.

Why this and not a neural classifier: with ~14,000 short examples and no pretrained embeddings
(the machine has no internet at run time), it answered more held-out messages right than DIET
did, caught more out-of-scope ones, and trains in about 5 minutes instead of ~45 (make eval,
docs/nlu-evaluation.md). Character n-grams carry typos and short forms ("sesions", "spf??").

Runs in the Rasa environment (scikit-learn comes with Rasa); bot/nlu/linear_classifier.py wraps
it as a Rasa pipeline component. Saved as JSON (vocabularies, labels, settings) and a NumPy .npz
loaded with allow_pickle=False, so loading a model file cannot run code.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

SETTINGS_FILE = "linear_model.json"
ARRAYS_FILE = "linear_model.npz"


@dataclass(frozen=True)
class Settings:
    C: float = 30.0  # inverse regularisation strength; the eval sweep is flat between 10 and 100
    word_ngrams: Tuple[int, int] = (1, 2)
    char_ngrams: Tuple[int, int] = (2, 5)
    char_min_df: int = 2  # a character n-gram seen once is noise, and doubles the vocabulary
    # "cuanto" and "cuánto", "dolor" and "dolór": patients often leave accents out (or put them in
    # the wrong place), so both sides are read without them.
    fold_accents: bool = False
    max_iter: int = 5000


def _accents(settings: Settings) -> str | None:
    return "unicode" if settings.fold_accents else None


def _words(settings: Settings, vocabulary: Dict[str, int] | None = None) -> TfidfVectorizer:
    return TfidfVectorizer(
        ngram_range=tuple(settings.word_ngrams),
        sublinear_tf=True,
        lowercase=True,
        strip_accents=_accents(settings),
        vocabulary=vocabulary,
    )


def _chars(settings: Settings, vocabulary: Dict[str, int] | None = None) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=tuple(settings.char_ngrams),
        sublinear_tf=True,
        lowercase=True,
        strip_accents=_accents(settings),
        min_df=1 if vocabulary is not None else settings.char_min_df,
        vocabulary=vocabulary,
    )


class LinearTextModel:
    """Labels -> probabilities for a text. Fit with `fit`, keep with `save`/`load`."""

    def __init__(
        self,
        settings: Settings,
        words: TfidfVectorizer,
        chars: TfidfVectorizer,
        labels: List[str],
        coef: np.ndarray,
        intercept: np.ndarray,
    ) -> None:
        self.settings = settings
        self._words = words
        self._chars = chars
        self.labels = labels
        self._coef = coef
        # Transposed once, contiguous: scipy would otherwise copy the whole matrix (labels x
        # features, megabytes) on every message to multiply the sparse features by it.
        self._coef_t = np.ascontiguousarray(coef.T)
        self._intercept = intercept

    @classmethod
    def fit(cls, texts: Sequence[str], labels: Sequence[str], settings: Settings = Settings()) -> "LinearTextModel":
        if len(set(labels)) < 2:
            raise ValueError("a classifier needs examples of at least two labels")
        words, chars = _words(settings), _chars(settings)
        features = hstack([words.fit_transform(texts), chars.fit_transform(texts)]).tocsr()
        regression = LogisticRegression(C=settings.C, max_iter=settings.max_iter)  # lbfgs: deterministic
        regression.fit(features, list(labels))
        return cls(
            settings,
            words,
            chars,
            [str(label) for label in regression.classes_],
            regression.coef_,
            regression.intercept_,
        )

    def _features(self, texts: Sequence[str]) -> csr_matrix:
        return hstack([self._words.transform(texts), self._chars.transform(texts)]).tocsr()

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text, one column per label (in `self.labels` order); rows sum to 1."""
        scores = self._features(texts) @ self._coef_t + self._intercept
        if scores.shape[1] == 1:
            # Two labels: scikit-learn keeps one row of weights, the score of labels[1] against
            # labels[0]. The softmax of (0, score) is (1 - sigmoid, sigmoid), as the regression means.
            scores = np.hstack([np.zeros_like(scores), scores])
        scores -= scores.max(axis=1, keepdims=True)  # softmax without overflow
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)

    # --- persistence ---------------------------------------------------------------------
    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / SETTINGS_FILE).write_text(
            json.dumps(
                {
                    "settings": asdict(self.settings),
                    "labels": self.labels,
                    "word_vocabulary": _plain_vocabulary(self._words),
                    "char_vocabulary": _plain_vocabulary(self._chars),
                }
            ),
            encoding="utf-8",
        )
        np.savez(
            directory / ARRAYS_FILE,
            coef=self._coef,
            intercept=self._intercept,
            word_idf=self._words.idf_,
            char_idf=self._chars.idf_,
        )

    @classmethod
    def load(cls, directory: Path) -> "LinearTextModel":
        saved = json.loads((directory / SETTINGS_FILE).read_text(encoding="utf-8"))
        settings = Settings(
            **{key: tuple(value) if isinstance(value, list) else value for key, value in saved["settings"].items()}
        )
        with np.load(directory / ARRAYS_FILE, allow_pickle=False) as arrays:
            words = _words(settings, saved["word_vocabulary"])
            words.idf_ = arrays["word_idf"]
            chars = _chars(settings, saved["char_vocabulary"])
            chars.idf_ = arrays["char_idf"]
            return cls(settings, words, chars, saved["labels"], arrays["coef"], arrays["intercept"])


def _plain_vocabulary(vectorizer: TfidfVectorizer) -> Dict[str, int]:
    return {term: int(index) for term, index in vectorizer.vocabulary_.items()}  # numpy ints are not JSON
