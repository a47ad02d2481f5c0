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


def test_folded_accents_read_a_word_with_and_without_them_alike(tmp_path):
    found = run_in_rasa_env(
        """
        import json
        texts = ["¿cuánto dura la sesión?", "duración de la cita", "cuánto tiempo tarda", "tiempo en la clínica",
                 "¿dónde están?", "dirección de la clínica", "cómo llego", "dónde queda"]
        labels = ["length"] * 4 + ["location"] * 4
        rows = {}
        for fold in (False, True):
            folded = LinearTextModel.fit(texts, labels, Settings(char_min_df=1, fold_accents=fold))
            with_accents, without = folded.probabilities(["dónde queda", "donde queda"])
            rows[str(fold)] = [float(with_accents.max()), float(without.max()),
                               folded.labels[int(without.argmax())]]
        print(json.dumps(rows))
    """,
        tmp_path,
    )
    with_accents, without, best = found["True"]
    assert best == "location" and abs(with_accents - without) < 1e-9, "folded: the same evidence"
    assert found["False"][0] != found["False"][1], "not folded, the accent made a difference"


BY_LANGUAGE = """
from bot.nlu.by_language import ByLanguageModel, load_model
texts = ["does it hurt", "is it painful", "will it sting", "how much is it", "what does it cost", "price please",
         "¿duele mucho?", "me va a doler", "¿cuánto cuesta?", "qué precio tiene", "ok"]
labels = ["pain"] * 3 + ["price"] * 3 + ["pain"] * 2 + ["price"] * 3
languages = {t: ("es" if t[0] in "¿mq" else "en") for t in texts}
languages["ok"] = None  # cannot be told: trained into both
by_language = ByLanguageModel.fit(texts, labels, ["en", "es"], Settings(char_min_df=1), detect=languages.get)
"""


def test_one_model_per_language_reads_each_message_with_its_languages_model(tmp_path):
    found = run_in_rasa_env(
        BY_LANGUAGE
        + textwrap.dedent(
            """
        import json, os, numpy as np
        saved = Path(os.environ["TMP_DIR"]) / "by_language"
        by_language.save(saved)
        loaded = load_model(saved)
        loaded._detect = languages.get  # the tiny texts above, not bot/language.py's word lists
        probe = ["does it hurt", "¿cuánto cuesta?", "ok"]
        rows = loaded.probabilities(probe)
        spanish_only = by_language.models["es"]
        print(json.dumps({
            "labels": loaded.labels,
            "best": [loaded.labels[int(r.argmax())] for r in rows],
            "same_after_loading": bool(np.allclose(rows, by_language.probabilities(probe))),
            "row_sums": [float(s) for s in rows.sum(axis=1)],
            "spanish_model_trained_on": len(spanish_only._words.vocabulary_) > 0,
            "english_words_in_spanish_model": "hurt" in spanish_only._words.vocabulary_,
            "shared_example_in_both": all("ok" in m._words.vocabulary_ for m in by_language.models.values()),
        }))
    """
        ),
        tmp_path,
    )
    assert found["labels"] == ["pain", "price"]
    assert found["best"][:2] == ["pain", "price"]
    assert found["same_after_loading"]
    assert all(abs(total - 1) < 1e-9 for total in found["row_sums"])
    assert not found["english_words_in_spanish_model"], "each language's examples train only its model"
    assert found["shared_example_in_both"], "an example of no clear language trains every model"
