"""The trained model's NLU output (config.yml's pipeline, bot/nlu/linear_classifier.py), read the
way Rasa's own actions read it: intent, ranking and the FAQ answer chosen for `utter_faq`."""

from __future__ import annotations

import json
import subprocess
import tarfile

import pytest

from bot.settings import PROJECT_ROOT
from bot.stack import DEFAULT_MODEL, RASA_BIN, rasa_environment

MESSAGES = [
    "does it hurt??",
    "how much is microneedling",
    "downtime?",
    "xkqzv wplm trrr",
    "what's the capital of peru",
    "spf after??",
]

PARSE = """
import asyncio, json, sys
from rasa.core.agent import Agent
agent = Agent.load(sys.argv[1])
async def parse_all():
    return [await agent.parse_message(text) for text in json.loads(sys.argv[2])]
print(json.dumps(asyncio.run(parse_all())))
"""


@pytest.fixture(scope="module")
def parses() -> dict:
    result = subprocess.run(
        [str(RASA_BIN.parent / "python"), "-c", PARSE, str(DEFAULT_MODEL), json.dumps(MESSAGES)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=rasa_environment(5055, "sqlite://"),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return dict(zip(MESSAGES, json.loads(result.stdout.strip().splitlines()[-1])))


def test_a_faq_question_gets_the_faq_intent_and_its_topic_for_utter_faq(parses):
    parse = parses["does it hurt??"]
    assert parse["intent"]["name"] == "faq" and parse["intent"]["confidence"] > 0.6
    chosen = parse["response_selector"]["faq"]["response"]
    assert chosen["intent_response_key"] == "faq/pain" and chosen["utter_action"] == "utter_faq/pain"
    assert "numbing cream" in chosen["responses"][0]["text"], (
        "the answer travels with the parse (mid-intake answers use it)"
    )
    assert parse["response_selector"]["all_retrieval_intents"] == ["faq"]


def test_rankings_are_sorted_probabilities(parses):
    for text, parse in parses.items():
        intents = [r["confidence"] for r in parse["intent_ranking"]]
        topics = [r["confidence"] for r in parse["response_selector"]["faq"]["ranking"]]
        for ranking in (intents, topics):
            assert ranking == sorted(ranking, reverse=True), text
            assert all(0 <= c <= 1 for c in ranking), text
        assert sum(topics) <= 1 + 1e-6, text


def test_short_forms_reach_their_topics(parses):
    assert parses["how much is microneedling"]["intent"]["name"] == "ask_price"
    assert parses["downtime?"]["response_selector"]["faq"]["response"]["intent_response_key"] == "faq/recovery"
    assert parses["spf after??"]["response_selector"]["faq"]["response"]["intent_response_key"] == "faq/sun"


def test_off_topic_and_keyboard_mash_fall_back(parses):
    for text in ("xkqzv wplm trrr", "what's the capital of peru"):
        assert parses[text]["intent"]["name"] in {"nlu_fallback", "out_of_scope"}, text


def test_the_model_file_holds_no_pickled_classifier():
    with tarfile.open(DEFAULT_MODEL) as model:
        names = [m.name for m in model.getmembers() if "LinearIntentClassifier" in m.name and m.isfile()]
    assert names and all(name.endswith((".json", ".npz")) for name in names), names
