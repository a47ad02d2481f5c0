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


def _training_examples(folder: Path = ROOT / "data" / "nlu"):
    # every language: data/nlu/*.yml (English) and data/nlu/es/*.yml (Spanish)
    for path in sorted(folder.rglob("*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            if "intent" in block:
                for line in block["examples"].splitlines():
                    if line.strip():
                        yield block["intent"], re.sub(r"^\s*- ", "", line)


def test_the_examples_read_include_every_language():
    read = {path.relative_to(ROOT).as_posix() for path in (ROOT / "data" / "nlu").rglob("*.yml")}
    assert {"data/nlu/basics.yml", "data/nlu/es/basics.yml", "data/nlu/es/intake.yml"} <= read
    assert {"data/nlu/es/out_of_scope.yml", "data/nlu/es/red_flags.yml"} <= read
    spanish = {i for i, _ in _training_examples(ROOT / "data" / "nlu" / "es")}
    assert RED_FLAGS | {"inform", "out_of_scope", "affirm", "deny"} <= spanish


def test_no_training_example_of_another_intent_looks_like_a_red_flag():
    # Thousands of real-looking patient messages: the safety net must not hijack any of them.
    wrong = [(i, t, red_flag_in(t)) for i, t in _training_examples() if red_flag_in(t) not in (None, i)]
    assert wrong == []


def test_most_red_flag_training_examples_are_caught_without_the_model():
    examples = [(i, t) for i, t in _training_examples() if i in RED_FLAGS]
    caught = [t for i, t in examples if red_flag_in(t) == i]
    assert len(caught) >= 0.85 * len(examples)


def test_most_spanish_red_flag_training_examples_are_caught_without_the_model():
    examples = [(i, t) for i, t in _training_examples(ROOT / "data" / "nlu" / "es") if i in RED_FLAGS]
    assert len(examples) >= 100
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


# Spanish (shared/DOMAIN.md, "Spanish: words patients use"), Spain and Latin America, with and
# without accents. None of these lines is a training example.


@pytest.mark.parametrize(
    "text",
    [
        "se le está hinchando la lengua a mi hija",
        "me arde la cara y tengo los labios muy hinchados",
        "noto la garganta cerrada, ayuda",
        "de repente no puedo tragar",
        "casi no puede respirar mi madre",
        "no, no puedo respirar",
        "no sé, me cuesta respirar",
        "tengo pitos en el pecho",
        "me he mareado y me he desmayado un segundo",
        "ESTOY PERDIENDO EL CONOCIMIENTO",
        "le ha dado una convulsión en la camilla",
        "desde la crema el corazón me da saltos",
        "tengo taquicardias desde que me pusieron la anestesia",
        "tengo fiebre y estoy desorientada, y la zona roja se agranda",
        "la rojez sigue extendiéndose y tengo fiebre",
        "¡emergencia!",
    ],
)
def test_spanish_emergencies_are_found(text):
    assert red_flag_in(text) == EMERGENCY


@pytest.mark.parametrize(
    "text",
    [
        "me sale pus por los poros",
        "tengo costras de color miel en el labio",
        "las heridas siguen sangrando",
        "desde las once no para de sangrar",
        "dia 5 y más hinchada que ayer",
        "la hinchazón va a más",
        "tengo la frente caliente al tacto",
        "está caliente y palpitando",
        "se me ha infectado",
        "me han salido ampollitas que duelen en la barbilla",
        "me salió urticaria a los 3 días",
        "tengo unos nódulos duros en la mejilla",
        "me están saliendo manchas negras en la frente",
    ],
)
def test_spanish_worrying_signs_are_found(text):
    assert red_flag_in(text) == WORRYING


@pytest.mark.parametrize(
    ("with_accents", "without_accents"),
    [
        ("se me está hinchando la garganta", "se me esta hinchando la garganta"),
        ("perdió el conocimiento después de la sesión", "perdio el conocimiento despues de la sesion"),
        ("tengo hinchazón en la lengua", "tengo hinchazon en la lengua"),
        ("la inflamación va a peor", "la inflamacion va a peor"),
        ("me salió urticaria después", "me salio urticaria despues"),
        ("¿el microneedling puede causar ampollas?", "el microneedling puede causar ampollas"),
    ],
)
def test_spanish_is_read_the_same_with_and_without_accents(with_accents, without_accents):
    assert red_flag_in(with_accents) == red_flag_in(without_accents)


@pytest.mark.parametrize(
    "text",
    ["there isn't any pus, just redness", "she's not convulsing anymore", "without any pus or crusts"],
)
def test_english_negations_still_hold_for_words_both_languages_share(text):
    # "pus" and "convuls" are Spanish patterns too; "no" alone is Spanish, "not" and "without" are not
    assert red_flag_in(text) is None


@pytest.mark.parametrize(
    "text",
    [
        # questions about what could happen are FAQ questions, not symptoms
        "¿el microneedling puede causar ampollas?",
        "¿se me puede hinchar la cara?",
        "¿es posible que salga pus?",
        "¿qué riesgo de infección hay?",
        "y si me sangra mucho?",
        # negated or past
        "no me cuesta respirar, solo estoy un poco roja",
        "no tengo ni los labios hinchados ni nada",
        "la rojez no va a peor",
        "no me sale pus",
        "ya no sangra",
        "tuve una convulsión de pequeña, ¿puedo hacérmelo?",
        "hace dos años tuve convulsiones",
        "tengo arritmia y tomo bisoprolol",
        "después de la crema no noto palpitaciones, solo hormigueo",
        "me salen calenturas con ampollitas a veces",
        # other treatments and everyday words
        "¿cuánto dura la hinchazón del relleno?",
        "soy hincha del Boca",
        "cierra la boca",
        "mi hijo tiene fiebre",
        "me duele la garganta",
        "¿me quita las manchas oscuras?",
        "¿puedo usar ampollas de ácido hialurónico después?",
        "quiero lavarme la cara con agua caliente",
        "me operaron de la vesícula",
        "¿es normal tener la cara roja después?",
        "me sangró un poquito durante la sesión",
    ],
)
def test_spanish_questions_negations_history_and_other_topics_are_left_to_the_model(text):
    assert red_flag_in(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "sí, soy alérgica a la lidocaína, me salieron ronchas",
        "una vez me salió pus después de una limpieza facial",
        "me suelen salir ampollas con el esparadrapo",
        "tengo urticaria crónica",
    ],
)
def test_spanish_screening_answers_about_allergies_and_old_reactions_are_not_worrying_signs(text):
    assert red_flag_in(text) is None
