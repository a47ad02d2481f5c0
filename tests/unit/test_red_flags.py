"""The red-flag safety net (bot/nlu/red_flags.py) that overrides the trained model's intent."""

import re
from pathlib import Path

import pytest
import yaml

from bot.nlu.red_flags import EMERGENCY, WORRYING, red_flag_in

ROOT = Path(__file__).resolve().parents[2]
RED_FLAGS = {EMERGENCY, WORRYING}


@pytest.mark.parametrize(
    "text",
    [
        "her lips have gone really swollen since the cream went on",
        "HELP my throat is closing",
        "i cant breathe properly",
        "struggling to swallow after my session",
        "my husband passed out in the car park after his treatment",
        "she's having a seizure",
        "my heart is pounding like crazy since the numbing cream",
        "heartbeat is all erratic since the numbing went on",
        "after the cream my chest is hammering",
        "i've got a fever and the red bit is spreading down my neck",
        "the redness keeps spreading and now i'm confused and burning up",
        "emergency!!",
        "swollen tongue and wheezy",
    ],
)
def test_emergencies_are_found(text):
    assert red_flag_in(text) == EMERGENCY


@pytest.mark.parametrize(
    "text",
    [
        "there is yellow stuff oozing from my chin",
        "day 5 and the redness is getting worse",
        "the little cuts keep on bleeding",
        "my cheek is hot to the touch today",
        "I've come out in hives on my forehead",
        "loads of tiny blisters on my jaw",
        "honey coloured crust on my cheek",
        "I think it's infected",
    ],
)
def test_worrying_signs_are_found(text):
    assert red_flag_in(text) == WORRYING


@pytest.mark.parametrize(
    "text",
    [
        # questions about what could happen are FAQ questions, not symptoms
        "can microneedling make your lips swell?",
        "what are the side effects, could it cause blisters",
        "is there a risk of infection",
        "what if my skin bleeds",
        # negated or past
        "no trouble breathing, just a bit red",
        "I had a seizure as a child, can I still have it?",
        "i used to get hives from plasters",
        "I have an irregular heartbeat and take bisoprolol",
        "had a seizure 6 months ago, none since",
        "no palpitations after the cream, just tingly",
        "I get cold sores with blisters sometimes",
        # other treatments and everyday words
        "how long does lip filler swelling last",
        "does a helix piercing hurt more than a lobe one",
        "can you fit me in on friday",
        "my child has a fever",
        "will it help my dark spots",
        "/request_consultation",
        "",
    ],
)
def test_questions_negations_history_and_other_topics_are_left_to_the_model(text):
    assert red_flag_in(text) is None


def _training_examples():
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            if "intent" in block:
                for line in block["examples"].splitlines():
                    if line.strip():
                        yield block["intent"], re.sub(r"^\s*- ", "", line)


def test_no_training_example_of_another_intent_looks_like_a_red_flag():
    # Thousands of real-looking patient messages: the safety net must not hijack any of them.
    wrong = [(i, t, red_flag_in(t)) for i, t in _training_examples() if red_flag_in(t) not in (None, i)]
    assert wrong == []


def test_most_red_flag_training_examples_are_caught_without_the_model():
    examples = [(i, t) for i, t in _training_examples() if i in RED_FLAGS]
    caught = [t for i, t in examples if red_flag_in(t) == i]
    assert len(caught) >= 0.85 * len(examples)


def test_the_safety_net_runs_last_in_the_shipped_pipeline():
    pipeline = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))["pipeline"]
    names = [component["name"] for component in pipeline]
    assert names[-1] == "bot.nlu.red_flag_classifier.RedFlagClassifier"
    assert names.index("FallbackClassifier") < len(names) - 1


@pytest.mark.parametrize(
    "text",
    [
        "yes I'm allergic, I got hives from lidocaine",
        "i get blisters from plasters sometimes",
        "I had a reaction once before with pus after a facial",
    ],
)
def test_screening_answers_about_allergies_and_old_reactions_are_not_worrying_signs(text):
    assert red_flag_in(text) is None
