"""The shipped screening rules agree with DOMAIN.md, and a broken rules file is refused with a
message naming the field."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from bot.consultation import Outcome, outcome_for
from bot.screening.rules import Level, ScreeningRulesError, load_rules, parse_rules
from bot.settings import PROJECT_ROOT

RULES_FILE = PROJECT_ROOT / "clinic" / "screening.yml"

# The default level of each question in DOMAIN.md's screening table.
DOMAIN_LEVELS = {
    "pregnancy": Level.DEFER,
    "isotretinoin": Level.REVIEW,  # refined by its follow-up: defer now, review < 6 months, nothing later
    "active_acne": Level.DEFER,
    "active_infection": Level.DEFER,
    "cold_sore_history": Level.INFO,
    "skin_condition_flare": Level.DEFER,
    "recent_sun": Level.DEFER,
    "recent_procedures": Level.DEFER,
    "recent_surgery_radiation": Level.REVIEW,
    "bleeding_disorder": Level.EXCLUDE,
    "blood_thinners": Level.REVIEW,
    "keloid_scarring": Level.REVIEW,
    "immune_health": Level.REVIEW,
    "autoimmune_skin": Level.REVIEW,
    "skin_cancer": Level.EXCLUDE,
    "metal_allergy": Level.EXCLUDE,
    "numbing_allergy": Level.INFO,
    "retinoids_acids": Level.INFO,
}
OUTCOME_OF = {
    Level.INFO: Outcome.ELIGIBLE,
    Level.REVIEW: Outcome.NEEDS_REVIEW,
    Level.DEFER: Outcome.DEFERRED,
    Level.EXCLUDE: Outcome.NOT_ELIGIBLE,
}


@pytest.fixture(scope="module")
def rules():
    return load_rules(RULES_FILE)


def _raw() -> dict:
    return yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))


def test_shipped_file_has_one_rule_per_domain_question_asked_in_its_groups_order(rules):
    assert sorted(rules.ids) == sorted(DOMAIN_LEVELS)
    assert rules.ids == tuple(rule.id for group in rules.groups for rule in group.rules)


@pytest.mark.parametrize("rule_id", list(DOMAIN_LEVELS))
def test_each_rule_has_the_domain_level_and_reaches_its_outcome(rules, rule_id):
    rule = rules[rule_id]
    assert rule.level is DOMAIN_LEVELS[rule_id]
    assert outcome_for([rule.level]) is OUTCOME_OF[rule.level]
    assert outcome_for([None, rule.level, None]) is OUTCOME_OF[rule.level]


def test_patient_facing_texts_are_short_and_never_tell_anyone_to_stop_a_medicine(rules):
    for rule in rules:
        assert rule.question.endswith("?"), rule.id
        assert len(rule.question) <= 200, rule.id
        assert rule.explanation.count(". ") == 0, f"{rule.id}: explanation should be one sentence"
        for text in (rule.answer_note, rule.explanation, rule.defer_until or ""):
            assert "stop taking" not in text.lower() and "stop your" not in text.lower(), rule.id
        assert rule.terms, rule.id


def test_medicine_rules_reassure_patients_to_keep_taking_their_medicines(rules):
    for rule_id in ("blood_thinners", "immune_health"):
        assert "keep taking your medicines as prescribed" in rules[rule_id].answer_note.lower()


def test_blood_thinner_and_isotretinoin_terms_cover_brand_and_generic_names(rules):
    thinners = set(rules["blood_thinners"].terms)
    assert {
        "warfarin",
        "coumadin",
        "apixaban",
        "eliquis",
        "rivaroxaban",
        "xarelto",
        "dabigatran",
        "pradaxa",
        "edoxaban",
        "clopidogrel",
        "plavix",
        "aspirin",
        "blood thinner",
        "blood thinners",
    } <= thinners
    assert {
        "isotretinoin",
        "accutane",
        "absorica",
        "claravis",
        "roaccutane",
        "amnesteem",
        "myorisan",
        "zenatane",
    } <= set(rules["isotretinoin"].terms)


def test_isotretinoin_follow_up_decides_by_six_months(rules):
    follow_up = rules["isotretinoin"].follow_up
    assert follow_up is not None and follow_up.kind == "months_since"
    assert follow_up.threshold_months == 6
    assert (follow_up.level_ongoing, follow_up.level_within, follow_up.level_after) == (Level.DEFER, Level.REVIEW, None)


def test_deferring_rules_say_until_when(rules):
    for rule in rules:
        if rule.level is Level.DEFER:
            assert rule.defer_until, rule.id


@pytest.mark.parametrize(
    ("levels", "expected"),
    [
        ([], Outcome.ELIGIBLE),
        ([None, None], Outcome.ELIGIBLE),
        ([Level.INFO, Level.INFO], Outcome.ELIGIBLE),
        ([Level.INFO, Level.REVIEW], Outcome.NEEDS_REVIEW),
        ([Level.REVIEW, Level.DEFER, Level.INFO], Outcome.DEFERRED),
        ([Level.DEFER, Level.EXCLUDE, Level.REVIEW], Outcome.NOT_ELIGIBLE),
        ([Level.EXCLUDE, None], Outcome.NOT_ELIGIBLE),
    ],
)
def test_most_severe_level_wins(levels, expected):
    assert outcome_for(iter(levels)) is expected


def test_levels_are_ordered():
    assert Level.INFO < Level.REVIEW < Level.DEFER < Level.EXCLUDE
    assert max([Level.DEFER, Level.INFO, Level.EXCLUDE, Level.REVIEW]) is Level.EXCLUDE


def test_a_clinic_can_change_a_level_without_code():
    raw = _raw()
    for entry in raw["rules"]:
        if entry["id"] == "metal_allergy":
            entry["level"] = "review"
    rules = parse_rules(raw)
    assert outcome_for([rules["metal_allergy"].level]) is Outcome.NEEDS_REVIEW


def _broken(change) -> dict:
    raw = copy.deepcopy(_raw())
    change(raw)
    return raw


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda raw: raw["rules"][0].update(level="maybe"), "'rules[0].level' must be one of info, review, defer"),
        (lambda raw: raw["rules"][1].update(id="pregnancy"), "duplicate id 'pregnancy' (rules[1])"),
        (lambda raw: raw["rules"][2].pop("question"), "'rules[2].question' is missing or empty"),
        (lambda raw: raw["rules"][2].update(question="   "), "'rules[2].question' is missing or empty"),
        (lambda raw: raw["rules"][2].update(question=None), "'rules[2].question' is missing or empty"),
        (
            lambda raw: raw["rules"][2].update(question="Why? " * 61),
            "'rules[2].question' is longer than 300 characters",
        ),
        (lambda raw: raw["rules"][3].pop("level"), "'rules[3].level' is missing or empty"),
        (lambda raw: raw["rules"][3].update(id="Bad-Id"), "'rules[3].id' must be snake_case"),
        (lambda raw: raw["rules"][4].update(terms=[]), "'rules[4].terms' must be a non-empty list"),
        (lambda raw: raw["rules"][4].update(terms=["ok", 3]), "'rules[4].terms[1]' must be text"),
        (lambda raw: raw["rules"][5].pop("answer_note"), "'rules[5].answer_note' is missing or empty"),
        (lambda raw: raw["rules"][5].update(defer_untill="later"), "'rules[5].defer_untill' is not a known setting"),
        (
            lambda raw: raw["rules"][1]["follow_up"].update(threshold_months="six"),
            "'rules[1].follow_up.threshold_months' must be a whole number of months from 1 to 120, got 'six'",
        ),
        (lambda raw: raw["rules"][1]["follow_up"].update(threshold_months=True), "from 1 to 120, got True"),
        (lambda raw: raw["rules"][1]["follow_up"].update(threshold_months=121), "from 1 to 120, got 121"),
        (
            lambda raw: raw["rules"][1]["follow_up"].update(kind="weeks_until"),
            "'rules[1].follow_up.kind' must be one of months_since, got 'weeks_until'",
        ),
        (
            lambda raw: raw["rules"][1]["follow_up"].update(level_ongoing="soon"),
            "'rules[1].follow_up.level_ongoing' must be one of",
        ),
        (
            lambda raw: raw["rules"][1]["follow_up"].pop("level_after"),
            "'rules[1].follow_up.level_after' is missing (use null for no level)",
        ),
        (lambda raw: raw["rules"][1]["follow_up"].pop("question"), "'rules[1].follow_up.question' is missing"),
        (lambda raw: raw["rules"][1].update(follow_up="ask later"), "'rules[1].follow_up' must be a mapping"),
        (lambda raw: raw.update(rules=[]), "'rules' must be a non-empty list"),
        (lambda raw: raw.pop("unsure_note"), "'unsure_note' is missing or empty"),
        (lambda raw: raw.update(groups=[]), "'groups' must be a non-empty list"),
        (lambda raw: raw["groups"][0].update(id="Right Now"), "'groups[0].id' must be snake_case"),
        (lambda raw: raw["groups"][0].pop("title"), "'groups[0].title' is missing or empty"),
        (lambda raw: raw.pop("age"), "'age' is missing or empty"),
        (lambda raw: raw["age"].update(minimum=30), "'age.minimum' must be a whole number from 16 to 25, got 30"),
        (lambda raw: raw["age"]["young_adult"].update(until=31), "'age.young_adult.until' must be a whole number"),
        (
            lambda raw: raw["age"]["young_adult"].update(until=17),
            "'age.young_adult.until' (17) must not be under 'age.minimum' (18)",
        ),
        (lambda raw: raw["age"]["young_adult"].update(level="high"), "'age.young_adult.level' must be one of"),
        (lambda raw: raw["age"]["young_adult"].pop("label"), "'age.young_adult.label' is missing or empty"),
    ],
)
def test_rules_file_errors_name_the_bad_field(change, message):
    with pytest.raises(ScreeningRulesError) as error:
        parse_rules(_broken(change))
    assert message in str(error.value)


def test_every_mistake_in_the_file_is_listed_one_a_line():
    def two_mistakes(raw):
        raw["rules"][0].pop("question")
        raw["age"].update(minimum="18")

    with pytest.raises(ScreeningRulesError) as error:
        parse_rules(_broken(two_mistakes))
    assert str(error.value).splitlines() == [
        "screening rules: 'age.minimum' must be a whole number from 16 to 25, got '18'",
        "screening rules: 'rules[0].question' is missing or empty",
    ]


def test_a_file_that_is_not_a_mapping_is_refused():
    for raw in (None, ["rules"], "rules"):
        with pytest.raises(ScreeningRulesError, match="the file must be a mapping of fields"):
            parse_rules(raw)


def test_texts_are_tidied_as_the_patient_reads_them():
    def untidy(raw):
        pregnancy = raw["rules"][0]
        pregnancy.update(question="  Are you\n  pregnant?  ", label="   ", item=None)
        pregnancy["terms"] = ["Pregnant", " PREGNANT ", "trying  for\ta baby"]

    pregnancy = parse_rules(_broken(untidy))["pregnancy"]
    assert pregnancy.question == "Are you pregnant?"
    assert pregnancy.label is None and pregnancy.item is None and pregnancy.short == "Are you pregnant"
    assert pregnancy.terms == ("pregnant", "trying for a baby")


def test_levels_are_read_whatever_their_case():
    raw = _broken(lambda raw: raw["rules"][0].update(level=" Review "))
    assert parse_rules(raw)["pregnancy"].level is Level.REVIEW


def test_missing_and_unreadable_files_are_reported(tmp_path: Path):
    with pytest.raises(ScreeningRulesError, match="not found"):
        load_rules(tmp_path / "absent.yml")
    broken = tmp_path / "broken.yml"
    broken.write_text("rules: [\n  - id: x\n", encoding="utf-8")
    with pytest.raises(ScreeningRulesError, match="not valid YAML"):
        load_rules(broken)


# ---- the Spanish texts (`es:`) ----


@pytest.fixture(scope="module")
def spanish(rules):
    return rules.in_language("es")


def test_in_spanish_each_rule_has_the_same_id_level_and_follow_up_with_spanish_texts(rules, spanish):
    assert spanish.language == "es" and rules.language == "en"
    assert spanish.ids == rules.ids and [g.id for g in spanish.groups] == [g.id for g in rules.groups]
    for english, rule in zip(rules, spanish):
        assert (rule.level, rule.follow_up is None) == (english.level, english.follow_up is None), rule.id
        assert rule.question.startswith("¿") and rule.question.endswith("?"), rule.id
        assert len(rule.question) <= 200, rule.id
        assert rule.explanation.count(". ") == 0, f"{rule.id}: explanation should be one sentence"
        for name in ("question", "explanation", "answer_note", "label", "item"):
            assert getattr(rule, name) != getattr(english, name), f"{rule.id}.{name} is not translated"
        assert bool(rule.defer_until) == bool(english.defer_until), rule.id
    follow_up, english_follow_up = spanish["isotretinoin"].follow_up, rules["isotretinoin"].follow_up
    assert follow_up.question.startswith("¿Cuándo tomó la última dosis?")
    assert (follow_up.threshold_months, follow_up.level_within, follow_up.level_after, follow_up.level_ongoing) == (
        english_follow_up.threshold_months,
        english_follow_up.level_within,
        english_follow_up.level_after,
        english_follow_up.level_ongoing,
    )
    assert follow_up.ongoing_note.startswith("Esperamos al menos 6 meses")


def test_in_spanish_the_groups_unsure_note_and_age_label_are_spanish(rules, spanish):
    assert [group.title for group in spanish.groups] == [
        "ahora mismo",
        "tratamientos y medicamentos recientes",
        "problemas de salud",
        "alergias",
    ]
    for group in spanish.groups:
        assert group.question.startswith("¿") and group.question.endswith("?"), group.id
        assert all(rule is spanish[rule.id] for rule in group.rules), "a group lists the Spanish rules"
    assert spanish.unsure_note.startswith("Como no lo tenía claro, un profesional lo revisará")
    assert spanish.age.young_adult_label.startswith("Edad de 18 a 21 años")
    assert (spanish.age.minimum, spanish.age.young_adult_until) == (rules.age.minimum, rules.age.young_adult_until)


# Wording DOMAIN.md rules out: telling anyone to stop a medicine, or an unsure patient that all is well.
_NEVER_IN_SPANISH = (
    "deje de tomar",
    "dejar de tomar",
    "suspenda",
    "no tome",
    "está bien",
    "no pasa nada",
    "diagnóstico",
)


def test_spanish_texts_never_tell_anyone_to_stop_a_medicine_and_keep_medicines_as_prescribed(spanish):
    for rule in spanish:
        texts = [rule.answer_note, rule.explanation, rule.question, rule.defer_until or ""]
        if rule.follow_up:
            texts += [rule.follow_up.question, rule.follow_up.ongoing_note or "", rule.follow_up.defer_until or ""]
        for text in texts:
            assert not any(phrase in text.lower() for phrase in _NEVER_IN_SPANISH), (rule.id, text)
    assert not any(phrase in spanish.unsure_note.lower() for phrase in _NEVER_IN_SPANISH)
    for rule_id in ("blood_thinners", "immune_health"):
        assert "siga tomando sus medicamentos como se los han recetado" in spanish[rule_id].answer_note.lower()


def test_spanish_terms_are_the_words_patients_in_spain_and_latin_america_use(rules):
    def spanish_terms(rule_id):
        return set(rules[rule_id].es.terms)

    assert {"embarazada", "embarazo", "lactancia", "dando el pecho", "amamantando"} <= spanish_terms("pregnancy")
    assert {"isotretinoína", "roacután", "roacutan", "isotrex"} <= spanish_terms("isotretinoin")
    assert {"anticoagulantes", "antiagregantes", "sintrom", "acenocumarol", "warfarina", "aspirina", "adiro"} <= (
        spanish_terms("blood_thinners")
    )
    assert {"herpes labial", "calentura", "pupa"} <= spanish_terms("cold_sore_history")
    assert {"granos", "brote de acné"} <= spanish_terms("active_acne")
    assert {"queloide", "queloides", "cicatrices abultadas"} <= spanish_terms("keloid_scarring")
    assert {"quemadura solar", "me he quemado"} <= spanish_terms("recent_sun")
    assert {"diabetes", "quimioterapia", "corticoides"} <= spanish_terms("immune_health")
    assert {"crema anestésica", "lidocaína"} <= spanish_terms("numbing_allergy")
    # Words that name what patients come to treat are never terms: "cicatrices de acné" is not a flag.
    every_term = {term for rule in rules for term in rule.recognised_terms}
    assert not {"acné", "cicatrices", "cicatriz", "manchas", "arrugas", "brote"} & every_term


def test_terms_of_both_languages_are_recognised_whatever_the_language(rules, spanish):
    for english, rule in zip(rules, spanish):
        assert rule.recognised_terms == english.recognised_terms
        assert set(english.terms) | set(english.es.terms) == set(rule.recognised_terms)


def test_each_language_leads_back_to_the_other_and_an_unknown_one_is_refused(rules, spanish):
    assert rules.in_language("en") is rules and spanish.in_language("es") is spanish
    assert spanish.in_language("en") is rules and rules.in_language("es") is spanish
    for language in ("fr", "ES", "", None):
        with pytest.raises(ValueError, match="language must be one of en, es"):
            rules.in_language(language)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda raw: raw["rules"][0].pop("es"), "'rules[0].es' is missing or empty"),
        (lambda raw: raw["rules"][0]["es"].pop("label"), "'rules[0]' has 'label' but no Spanish 'es.label'"),
        (lambda raw: raw["rules"][0]["es"].update(item=" "), "'rules[0]' has 'item' but no Spanish 'es.item'"),
        (
            lambda raw: raw["rules"][1]["es"].pop("follow_up"),
            "'rules[1]' has 'follow_up' but no Spanish 'es.follow_up'",
        ),
        (
            lambda raw: raw["rules"][1]["es"]["follow_up"].pop("ongoing_note"),
            "'rules[1]' has 'follow_up.ongoing_note' but no Spanish 'es.follow_up.ongoing_note'",
        ),
        (
            lambda raw: raw["rules"][1]["es"]["follow_up"].pop("question"),
            "'rules[1].es.follow_up.question' is missing or empty",
        ),
        (lambda raw: raw["rules"][2]["es"].pop("question"), "'rules[2].es.question' is missing or empty"),
        (
            lambda raw: raw["rules"][2]["es"].update(question="¿Por qué? " * 40),
            "'rules[2].es.question' is longer than 300 characters",
        ),
        (lambda raw: raw["rules"][2]["es"].update(terms=[]), "'rules[2].es.terms' must be a non-empty list"),
        (lambda raw: raw["rules"][2]["es"].update(level="info"), "'rules[2].es.level' is not a known setting"),
        (lambda raw: raw["rules"][3]["es"].pop("defer_until"), "'rules[3]' has 'defer_until' but no Spanish"),
        (lambda raw: raw["rules"][3]["es"].pop("answer_note"), "'rules[3].es.answer_note' is missing or empty"),
        (
            lambda raw: raw["rules"][4]["es"].update(follow_up={"question": "¿Cuándo?"}),
            "'rules[4]' has 'es.follow_up' but no 'follow_up' for it to translate",
        ),
        (lambda raw: raw["rules"][4].update(es="herpes"), "'rules[4].es' must be a mapping"),
        (lambda raw: raw.pop("es"), "'es' is missing or empty"),
        (lambda raw: raw["es"].pop("unsure_note"), "'es.unsure_note' is missing or empty"),
        (lambda raw: raw["groups"][0].pop("es"), "'groups[0].es' is missing or empty"),
        (lambda raw: raw["groups"][0]["es"].pop("title"), "'groups[0].es.title' is missing or empty"),
        (lambda raw: raw["groups"][0]["es"].update(rules=["pregnancy"]), "'groups[0].es.rules' is not a known setting"),
        (lambda raw: raw["age"]["young_adult"]["es"].pop("label"), "'age.young_adult.es.label' is missing or empty"),
    ],
)
def test_spanish_mistakes_name_the_field(change, message):
    test_rules_file_errors_name_the_bad_field(change, message)


def test_two_missing_spanish_texts_of_one_rule_are_named_together():
    def two(raw):
        raw["rules"][3]["es"].pop("label")
        raw["rules"][3]["es"].pop("defer_until")

    with pytest.raises(ScreeningRulesError) as error:
        parse_rules(_broken(two))
    assert str(error.value) == (
        "screening rules: 'rules[3]' has 'label' but no Spanish 'es.label'; "
        "has 'defer_until' but no Spanish 'es.defer_until'"
    )


def test_a_spanish_text_without_its_english_one_is_used_as_written():
    raw = _broken(lambda raw: raw["rules"][0].pop("label"))
    rules = parse_rules(raw)
    assert rules["pregnancy"].short == rules["pregnancy"].question.rstrip("?")
    assert rules.in_language("es")["pregnancy"].short == "Embarazo o lactancia"


def test_spanish_texts_are_tidied_as_the_patient_reads_them():
    raw = _broken(lambda raw: raw["rules"][0]["es"].update(question="  ¿Está\n   embarazada?  "))
    assert parse_rules(raw).in_language("es")["pregnancy"].question == "¿Está embarazada?"
