"""The open health-notes answer read with spaCy: terms from the rules file, negation with negex."""

from __future__ import annotations

import time

import pytest

from bot.intake.text import without_accents
from bot.screening.rules import Level, load_rules
from bot.screening.terms import TermReader
from bot.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def rules():
    return load_rules(PROJECT_ROOT / "clinic" / "screening.yml")


@pytest.fixture(scope="module")
def reader(rules):
    return TermReader(rules)


def _affirmed(reader, text):
    return {finding.rule_id for finding in reader.findings(text) if not finding.negated}


def _negated(reader, text):
    return {finding.rule_id for finding in reader.findings(text) if finding.negated}


@pytest.mark.parametrize(
    ("text", "affirmed", "negated"),
    [
        ("no blood thinners, but I take Eliquis", {"blood_thinners"}, {"blood_thinners"}),
        ("I've never had cold sores", set(), {"cold_sore_history"}),
        ("not pregnant", set(), {"pregnancy"}),
        ("I'm on accutane", {"isotretinoin"}, set()),
        ("No allergies, I take warfarin", {"blood_thinners"}, set()),
        ("I haven't got eczema", set(), {"skin_condition_flare"}),
        ("Blood-thinners: none", set(), {"blood_thinners"}),
        ("I don't have lupus or scleroderma.", set(), {"autoimmune_skin"}),
        ("Not pregnant. I use retinol most nights.", {"retinoids_acids"}, {"pregnancy"}),
        ("I'm breastfeeding my 3 month old and I have a nickel allergy", {"pregnancy", "metal_allergy"}, set()),
        ("Nothing else really, thanks!", set(), set()),
    ],
)
def test_negated_and_affirmed_mentions(reader, text, affirmed, negated):
    assert _affirmed(reader, text) == affirmed
    assert _negated(reader, text) == negated


@pytest.mark.parametrize(
    ("text", "rule_id"),
    [
        ("ELIQUIS 5mg twice a day", "blood_thinners"),
        ("on Xarelto since my DVT", "blood_thinners"),
        ("I was on Roaccutane as a teenager", "isotretinoin"),
        ("I'm allergic to EMLA", "numbing_allergy"),
        ("had Botox last week", "recent_procedures"),
    ],
)
def test_brand_names(reader, text, rule_id):
    assert rule_id in _affirmed(reader, text)


@pytest.mark.parametrize(
    ("text", "rule_id"),
    [
        ("I take warfrin", "blood_thinners"),
        ("daily asprin", "blood_thinners"),
        ("Eliqiuis", "blood_thinners"),
        ("my psoraisis is bad", "skin_condition_flare"),
        ("I had acutane last year", "isotretinoin"),
        ("clopidogrl", "blood_thinners"),
        ("Im breast feeding", "pregnancy"),
    ],
)
def test_common_misspellings(reader, text, rule_id):
    assert rule_id in _affirmed(reader, text)


def test_short_words_are_not_matched_loosely(reader):
    # "cancel" is one letter from "cancer" and "rush" from "rash": short words need an exact match.
    assert _affirmed(reader, "I had to cancel my last appointment in a rush") == set()


@pytest.mark.parametrize(
    ("text", "rule_id"),
    [
        ("I've got a bleeding disorder", "bleeding_disorder"),
        ("history of basal cell carcinoma on my nose", "skin_cancer"),
        ("I have a mole that is changing on my cheek", "skin_cancer"),
        ("allergic to stainless steel jewellery", "metal_allergy"),
        ("I had radiation therapy on my neck", "recent_surgery_radiation"),
        ("I take anti-coagulants", "blood_thinners"),
        ("von Willebrand disease", "bleeding_disorder"),
    ],
)
def test_multi_word_terms(reader, text, rule_id):
    assert rule_id in _affirmed(reader, text)


def test_every_term_of_every_rule_is_found_for_its_own_rule_only(rules, reader):
    misses = []
    for rule in rules:
        for term in rule.terms:
            found = _affirmed(reader, f"I have {term} daily")
            if found != {rule.id}:
                misses.append((rule.id, term, found))
    assert misses == []


def test_flags_are_answers_in_rule_order_with_the_rules_level(rules, reader):
    note = "I take aspirin every day. I'm not pregnant. My rosacea is flaring up."
    flags = reader.flags(note)
    assert [flag.rule_id for flag in flags] == ["skin_condition_flare", "blood_thinners"]
    assert [flag.level for flag in flags] == [Level.DEFER, Level.REVIEW]
    assert all(flag.affirmed for flag in flags)
    assert [flag.answer_text for flag in flags] == ["My rosacea is flaring up.", "I take aspirin every day."]
    assert flags[1].question == rules["blood_thinners"].question


def test_empty_odd_and_huge_input(reader):
    assert reader.findings("") == [] and reader.flags(None) == []
    assert reader.findings("🙂🙂🙂 <script>warfarin</script>") == []
    long_note = ("I feel fine. " * 5000) + "warfarin"
    assert reader.findings(long_note) == []  # notes are capped before reading; nothing crashes


def test_reading_is_fast_once_built(rules):
    started = time.perf_counter()
    reader = TermReader(rules)
    built = time.perf_counter() - started
    note = "No blood thinners, but I take Eliquis. I've never had cold sores and I use retinol."
    started = time.perf_counter()
    for _ in range(50):
        reader.findings(note)
    per_message = (time.perf_counter() - started) / 50
    print(f"health-notes pipeline built in {built * 1000:.0f} ms, {per_message * 1000:.2f} ms per message")
    assert built < 10 and per_message < 0.05


# ---- Spanish, and both languages mixed ----


@pytest.mark.parametrize(
    ("text", "affirmed", "negated"),
    [
        ("no tomo anticoagulantes", set(), {"blood_thinners"}),
        ("no estoy embarazada", set(), {"pregnancy"}),
        ("nunca he tomado Roacután", set(), {"isotretinoin"}),
        ("sin alergia al níquel", set(), {"metal_allergy"}),
        ("sin alergias", set(), set()),
        ("no tomo Sintrom, pero sí Eliquis", {"blood_thinners"}, {"blood_thinners"}),
        ("no tengo alergias, tomo Sintrom", {"blood_thinners"}, set()),
        ("no tomo nada, solo Adiro", {"blood_thinners"}, set()),
        ("no estoy embarazada y tomo sintrom", {"blood_thinners"}, {"pregnancy"}),
        ("ni Sintrom ni aspirina", set(), {"blood_thinners"}),
        ("tampoco tomo aspirina", set(), {"blood_thinners"}),
        ("no he dejado de tomar el Sintrom", {"blood_thinners"}, set()),  # a double negative
        ("Anticoagulantes: ninguno", set(), {"blood_thinners"}),
        ("No tomo anticoagulantes. Estoy embarazada.", {"pregnancy"}, {"blood_thinners"}),
        ("estoy dando el pecho a mi bebé y tengo alergia a la lidocaína", {"pregnancy", "numbing_allergy"}, set()),
        ("no tengo granos pero sí herpes labial", {"cold_sore_history"}, {"active_acne"}),
        ("I'm not pregnant, no tomo Sintrom pero tengo diabetes", {"immune_health"}, {"pregnancy", "blood_thinners"}),
        ("no, only aspirin", {"blood_thinners"}, set()),
        ("I haven't stopped warfarin", {"blood_thinners"}, set()),
    ],
)
def test_spanish_and_mixed_negated_and_affirmed_mentions(reader, text, affirmed, negated):
    assert _affirmed(reader, text) == affirmed
    assert _negated(reader, text) == negated


@pytest.mark.parametrize(
    ("text", "rule_id"),
    [
        ("tomo Roacután", "isotretinoin"),
        ("tomo roacutan", "isotretinoin"),  # without the accent, as most people type
        ("ROACUTAN desde marzo", "isotretinoin"),
        ("estoy con isotretinoina", "isotretinoin"),
        ("tomo Sintrom", "blood_thinners"),
        ("acenocumarol por las mañanas", "blood_thinners"),
        ("tomo warfarina", "blood_thinners"),
        ("una aspirina diaria", "blood_thinners"),
        ("Adiro 100", "blood_thinners"),
        ("tomo Eliquis", "blood_thinners"),  # a brand written the same in both languages
        ("me sale herpes labial", "cold_sore_history"),
        ("tengo una calentura", "cold_sore_history"),
        ("me ha salido una pupa", "cold_sore_history"),
        ("tengo queloides", "keloid_scarring"),
        ("se me hacen cicatrices abultadas", "keloid_scarring"),
        ("soy diabética", "immune_health"),
        ("estoy embarazada de 3 meses", "pregnancy"),
        ("lactancia materna", "pregnancy"),
        ("me he quemado al sol", "recent_sun"),
        ("me puse bótox la semana pasada", "recent_procedures"),
        ("me hice un peeling químico", "recent_procedures"),
        ("soy alérgica al niquel", "metal_allergy"),
        ("tengo la rosacea en brote", "skin_condition_flare"),
        ("tengo lupus", "autoimmune_skin"),
        ("tengo un lunar que ha cambiado", "skin_cancer"),
        ("me operaron de la cara", "recent_surgery_radiation"),
        ("tengo hemofilia", "bleeding_disorder"),
        ("uso ácido glicólico", "retinoids_acids"),
        ("tengo granos en la barbilla", "active_acne"),
        ("tengo un sarpullido", "active_infection"),
    ],
)
def test_spanish_words_brand_names_and_accents(reader, text, rule_id):
    assert rule_id in _affirmed(reader, text)


def test_every_spanish_term_is_found_for_its_own_rule_only_with_or_without_accents(rules, reader):
    misses = []
    for rule in rules:
        for term in rule.es.terms:
            for written in (term, without_accents(term)):
                found = _affirmed(reader, f"tengo {written} a diario")
                if found != {rule.id}:
                    misses.append((rule.id, written, found))
    assert misses == []


@pytest.mark.parametrize(
    "text",
    [
        # Real words one or two letters from a term, in either language.
        "I had a vitamin injection",
        "what is collagen induction therapy",
        "is it different for men",
        "a single session please",
        "can it help my melasma",
        "after my daughter's graduation",
        "no camera filters",
        "me pusieron una inyección de vitaminas",
        "¿qué es la inducción de colágeno?",
        "quiero mejorar las arrugas",
        "hablo inglés",
        "¿cerca de qué estación están?",
        "tengo bastante prisa",
        "quiero hablar con un operador",
        "ya voy a rellenar el formulario",
        "¿la melanina influye?",
        "¿puedo venir con la cara calentita?",
        # What a condition left behind is what patients want treated, not the condition now.
        "me quedaron marcas de los granos",
        "tengo cicatrices de granos antiguos",
        "my face has holes from old pimples",
    ],
)
def test_near_misses_and_marks_left_behind_are_not_terms(reader, text):
    assert reader.findings(text) == []


def test_a_medicine_stopped_is_flagged_only_for_a_rule_that_asks_about_the_past(reader):
    # "Have you ever taken isotretinoin?": stopping it is a yes whose timing a practitioner checks;
    # "Do you take blood thinners?" is about now, so "not any more" is a no.
    for note in ("Ya no tomo Roacután.", "No longer on Roaccutane.", "Not taking accutane any more."):
        assert [flag.rule_id for flag in reader.flags(note)] == ["isotretinoin"], note
    for note in ("Ya no tomo Sintrom.", "Not taking warfarin any more.", "Nunca he tomado Roacután."):
        assert reader.flags(note) == [], note


def test_spanish_flags_keep_the_patients_sentence(rules, reader):
    note = "Tomo Adiro todos los días. No estoy embarazada. Tengo la rosácea en brote."
    flags = reader.flags(note)
    assert [flag.rule_id for flag in flags] == ["skin_condition_flare", "blood_thinners"]
    assert [flag.answer_text for flag in flags] == ["Tengo la rosácea en brote.", "Tomo Adiro todos los días."]
