"""bot/nlu/linear_model.py: the classifier behind the NLU pipeline, fitted, saved and loaded.

It runs in the Rasa environment (scikit-learn comes with Rasa), so each test runs a short script
there and reads its JSON answer."""

from __future__ import annotations

import json
import subprocess
import textwrap

import pytest

from bot.settings import PROJECT_ROOT
from bot.stack import RASA_BIN

RASA_PYTHON = RASA_BIN.parent / "python"

FIT = """
from pathlib import Path
from bot.nlu.linear_model import LinearTextModel, Settings
texts = ["how many sessions do i need", "how often should i come", "number of treatments",
         "sessions needed for scars", "does it hurt", "is it painful", "will it sting", "pain level",
         "what is the weather", "tell me a joke", "who won the match", "best pizza near me"]
labels = ["faq/sessions"] * 4 + ["faq/pain"] * 4 + ["out_of_scope"] * 4
model = LinearTextModel.fit(texts, labels, Settings(char_min_df=1))
"""


def run_in_rasa_env(script: str, tmp_path) -> dict:
    if not RASA_PYTHON.exists():
        pytest.skip("the Rasa environment is not installed (make venv)")
    result = subprocess.run(
        [str(RASA_PYTHON), "-c", textwrap.dedent(FIT) + textwrap.dedent(script)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "TMP_DIR": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_saved_model_loads_to_the_same_probabilities_from_json_and_plain_arrays(tmp_path):
    found = run_in_rasa_env(
        """
        import json, os, numpy as np
        saved = Path(os.environ["TMP_DIR"]) / "model"
        model.save(saved)
        loaded = LinearTextModel.load(saved)
        probe = ["how many sesions", "does it hurt a lot??", "", "🤔", "zzzz qqqq"]
        before, after = model.probabilities(probe), loaded.probabilities(probe)
        with np.load(saved / "linear_model.npz", allow_pickle=False) as arrays:
            readable_without_pickle = sorted(arrays.files)
        print(json.dumps({"same": bool(np.allclose(before, after)), "labels": loaded.labels,
                          "row_sums": [float(s) for s in after.sum(axis=1)],
                          "files": sorted(p.name for p in saved.iterdir()), "arrays": readable_without_pickle}))
    """,
        tmp_path,
    )
    assert found["same"]
    assert found["labels"] == ["faq/pain", "faq/sessions", "out_of_scope"]
    assert all(abs(total - 1) < 1e-9 for total in found["row_sums"])
    assert found["files"] == ["linear_model.json", "linear_model.npz"], "nothing that could hold pickled code"
    assert found["arrays"] == ["char_idf", "coef", "intercept", "word_idf"]


def test_typos_are_read_through_character_ngrams_and_empty_text_gets_probabilities(tmp_path):
    found = run_in_rasa_env(
        """
        import json
        probe = ["sesions?", "hurtt", "", "🤔"]  # no word of these is in the training texts
        rows = model.probabilities(probe)
        print(json.dumps({"best": [model.labels[int(r.argmax())] for r in rows],
                          "finite": bool((rows >= 0).all() and (rows <= 1).all())}))
    """,
        tmp_path,
    )
    assert found["best"][:2] == ["faq/sessions", "faq/pain"]
    assert found["finite"]


def test_one_label_is_refused_with_a_clear_error(tmp_path):
    found = run_in_rasa_env(
        """
        import json
        try:
            LinearTextModel.fit(["a", "b"], ["greet", "greet"])
            print(json.dumps({"error": None}))
        except ValueError as error:
            print(json.dumps({"error": str(error)}))
    """,
        tmp_path,
    )
    assert found["error"] == "a classifier needs examples of at least two labels"


def test_two_labels_get_the_probabilities_the_regression_means(tmp_path):
    found = run_in_rasa_env(
        """
        import json
        two = LinearTextModel.fit(["yes", "yes please", "sure", "no", "no thanks", "nope"],
                                  ["affirm"] * 3 + ["deny"] * 3, Settings(char_min_df=1))
        rows = two.probabilities(["yes please", "no thanks", "sure"])
        print(json.dumps({"labels": two.labels, "best": [two.labels[int(r.argmax())] for r in rows],
                          "rows": [[float(p) for p in r] for r in rows]}))
    """,
        tmp_path,
    )
    assert found["labels"] == ["affirm", "deny"]
    assert found["best"] == ["affirm", "deny", "affirm"], "not always the first label"
    for row in found["rows"]:
        assert abs(sum(row) - 1) < 1e-9 and 0.5 < max(row) < 1.0
