"""scripts/eval_nlu.py: how a Rasa parse becomes the topic a patient gets, and the figures."""

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def eval_nlu():
    # The script lives outside any package and imports Rasa only when it trains.
    spec = importlib.util.spec_from_file_location("eval_nlu", ROOT / "scripts" / "eval_nlu.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


def parse(intent, confidence, *others, faq_key=None):
    ranking = [{"name": intent, "confidence": confidence}]
    ranking += [{"name": name, "confidence": c} for name, c in others]
    result = {"intent": ranking[0], "intent_ranking": ranking}
    if faq_key:
        result["response_selector"] = {
            "all_retrieval_intents": ["faq"],
            "faq": {"response": {"intent_response_key": faq_key, "confidence": 0.9}},
        }
    return result


def test_faq_intent_maps_to_the_selected_sub_intent(eval_nlu):
    assert eval_nlu.topic_of(parse("faq", 0.9, faq_key="faq/pain")) == "faq/pain"


def test_default_response_selector_key_is_read_too(eval_nlu):
    result = parse("faq", 0.9)
    result["response_selector"] = {"default": {"response": {"intent_response_key": "faq/sun"}}}
    assert eval_nlu.topic_of(result) == "faq/sun"


@pytest.mark.parametrize("intent", ["nlu_fallback", "out_of_scope"])
def test_fallback_intents_map_to_fallback(eval_nlu, intent):
    assert eval_nlu.topic_of(parse(intent, 0.55)) == "fallback"


def test_other_intents_keep_their_name(eval_nlu):
    assert eval_nlu.topic_of(parse("ask_price", 0.8)) == "ask_price"


def test_simulated_threshold_sees_through_the_inserted_fallback(eval_nlu):
    # What FallbackClassifier leaves behind: nlu_fallback on top, the real ranking below it.
    result = parse("faq", 0.5, ("ask_price", 0.2), faq_key="faq/pain")
    result["intent"] = {"name": "nlu_fallback", "confidence": 0.55}
    result["intent_ranking"].insert(0, {"name": "nlu_fallback", "confidence": 0.55})
    assert eval_nlu.topic_at(result, threshold=0.55, ambiguity=0.0) == "fallback"
    assert eval_nlu.topic_at(result, threshold=0.4, ambiguity=0.0) == "faq/pain"
    assert eval_nlu.topic_at(result, threshold=0.4, ambiguity=0.35) == "fallback"


def test_figures_separate_wrong_answers_from_fallbacks(eval_nlu):
    example = eval_nlu.Example
    candidate = eval_nlu.Candidate("x", ROOT / "config.yml")
    candidate.predictions = [
        (example("does it hurt", "faq/pain"), "faq/pain"),
        (example("downtime", "faq/recovery"), "fallback"),
        (example("price", "ask_price"), "ask_hours"),
        (example("weather", "out_of_scope"), "fallback"),
        (example("joke", "out_of_scope"), "faq/what_is"),
    ]
    assert candidate.in_scope_accuracy == pytest.approx(1 / 3)
    assert candidate.false_fallback == pytest.approx(1 / 3)
    assert candidate.oos_caught == pytest.approx(1 / 2)
    assert candidate.topic_accuracy("faq/pain") == 1.0
    assert len(candidate.errors()) == 3
    assert candidate.targets_met == 0


def test_heldout_loader_rejects_rows_without_topic(eval_nlu, tmp_path):
    broken = tmp_path / "heldout.yml"
    broken.write_text("- {text: hello}\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="needs both 'text' and 'topic'"):
        eval_nlu.load_heldout(broken)


def test_a_callback_request_counts_as_reaching_a_person(eval_nlu):
    assert eval_nlu.topic_of(parse("request_callback", 0.9)) == "human_handoff"


def test_figures_can_be_given_per_heldout_file(eval_nlu, tmp_path):
    first, second = tmp_path / "a.yml", tmp_path / "b.yml"
    first.write_text('- {text: "does it hurt", topic: faq/pain}\n', encoding="utf-8")
    second.write_text('- {text: "weather", topic: out_of_scope}\n', encoding="utf-8")
    examples = eval_nlu.load_heldout(first) + eval_nlu.load_heldout(second)
    candidate = eval_nlu.Candidate("x", ROOT / "config.yml")
    candidate.predictions = [(examples[0], "faq/pain"), (examples[1], "faq/sun")]
    assert [e.source for e in examples] == ["a.yml", "b.yml"]
    assert candidate.restricted_to("a.yml").in_scope_accuracy == 1.0
    assert candidate.restricted_to("b.yml").oos_caught == 0.0
    assert len(candidate.restricted_to("b.yml").predictions) == 1
