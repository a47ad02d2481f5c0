"""Free-text replies to screening questions: yes/no, a rule's terms, and the follow-up timing."""

from __future__ import annotations

from datetime import date

import pytest

from bot.screening.answers import ANSWER_MAX_LEN, YesNo, interpret_yes_no, read_yes_no
from bot.screening.answers import answer_rule as _answer_rule
from bot.screening.durations import parse_months_since
from bot.screening.follow_ups import answer_follow_up
from bot.screening.rules import Level, load_rules
from bot.screening.terms import TermReader
from bot.settings import PROJECT_ROOT

TODAY = date(2025, 11, 23)
RULES = load_rules(PROJECT_ROOT / "clinic" / "screening.yml")
READER = TermReader(RULES)


def answer_rule(rule, text):
    """As the form reads an answer: the same term reader as the health notes."""
    return _answer_rule(rule, text, READER.findings(text))


@pytest.fixture(scope="module")
def rules():
    return RULES


@pytest.mark.parametrize(
    "text",
    [
        "yes",
        "Yes.",
        "YES!",
        "yep",
        "y",
        "Y",
        "yeah",
        "yup",
        "sure",
        "correct",
        "I am",
        "I do",
        "I'm 5 months pregnant",
        "only aspirin",
        "just a little",
        "of course",
        "/affirm",
        "👍",
        "👍🏽",
        "✅",
        "yes please",
        "yes, I get one maybe once a year",
        "I still take it",
        "yeah a little bit",
    ],
)
def test_yes(text):
    assert interpret_yes_no(text) is True


@pytest.mark.parametrize(
    "text",
    [
        "no",
        "No.",
        "nope",
        "n",
        "N",
        "nah",
        "not at all",
        "never",
        "I’m not pregnant",
        "im not",
        "absolutely not",
        "of course not",
        "none",
        "nothing",
        "I haven't",
        "I've never had one",
        "/deny",
        "👎",
        "❌",
        "no thanks",
        "I have none",
        "I have no allergies",
        "I'm never in the sun",
    ],
)
def test_no(text):
    assert interpret_yes_no(text) is False


@pytest.mark.parametrize(
    "text",
    [
        "not sure",
        "I'm not sure",
        "no idea",
        "maybe",
        "I don't know",
        "idk",
        "dunno",
        "perhaps",
        "maybe, my period is late",
        "I think so",
        "i don't think so",
        "I dont think so",
        "not that i know of",
        "probably not",
        "no... I don't know",
        "I can't remember",
    ],
)
def test_unsure_replies_are_read_as_unsure_and_never_as_a_clean_yes_or_no(text):
    assert read_yes_no(text) is YesNo.UNSURE
    assert interpret_yes_no(text) is None, "a question that needs a clear answer (consent) asks again"


@pytest.mark.parametrize(
    "text",
    [
        "asdkjh",
        "qwerty uiop",
        "",
        "   ",
        "🤷",
        "👍👎",
        "what do you mean?",
        "?",
        None,
        42,
        "I'm fine",
        "im good thanks",
        "ok",
    ],
)
def test_unreadable_replies_give_none_so_the_form_asks_again(text):
    assert read_yes_no(text) is None
    assert interpret_yes_no(text) is None


@pytest.mark.parametrize("rule_id", ["pregnancy", "cold_sore_history", "bleeding_disorder", "skin_cancer"])
def test_an_unsure_screening_answer_is_kept_in_the_patients_words_and_needs_review(rules, rule_id):
    answer = answer_rule(rules[rule_id], "Not sure, maybe?")
    assert answer is not None and answer.unsure
    assert answer.level is Level.REVIEW, "never eligible, and a practitioner decides"
    assert answer.answer_text == "Not sure, maybe?"
    assert answer.awaiting_follow_up is False


def test_detail_after_a_yes_and_a_rules_own_words_are_answers(rules):
    assert answer_rule(rules["cold_sore_history"], "yes, I get one maybe once a year").affirmed
    sun = answer_rule(rules["recent_sun"], "I was in Spain 10 days ago and got a little bit burnt")
    assert sun.affirmed and sun.level is Level.DEFER


def test_very_long_and_odd_unicode_messages_do_not_crash():
    assert interpret_yes_no("yes " + "blah " * 50_000) is True
    assert interpret_yes_no("\u0000\u202e\ufeff" * 1000) is None
    assert interpret_yes_no("🙂" * 10_000) is None


@pytest.mark.parametrize(
    ("rule_id", "text", "affirmed"),
    [
        ("blood_thinners", "only aspirin", True),
        ("blood_thinners", "I take Eliquis twice a day", True),
        ("blood_thinners", "Plavix", True),
        ("blood_thinners", "no blood thinners, but I take Xarelto", True),
        ("blood_thinners", "no", False),
        ("blood_thinners", "not taking warfarin any more", False),
        ("blood_thinners", "never taken warfarin", False),
        ("blood_thinners", "no warfarin, no aspirin", False),
        ("blood_thinners", "I take warfrin every day", True),  # a typo reads as the notes read it
        ("isotretinoin", "roaccutane a while back", True),
        ("pregnancy", "I'm 5 months pregnant", True),
        ("pregnancy", "not pregnant", False),
        ("cold_sore_history", "I've never had cold sores", False),
        ("cold_sore_history", "yes, a few times a year", True),
    ],
)
def test_answer_rule_combines_yes_no_with_the_rules_terms(rules, rule_id, text, affirmed):
    rule = rules[rule_id]
    answer = answer_rule(rule, text)
    assert answer is not None
    assert answer.rule_id == rule_id and answer.question == rule.question
    assert answer.affirmed is affirmed
    assert answer.level == (rule.level if affirmed else None)
    assert answer.answer_text == text


def test_answer_rule_returns_none_when_unclear(rules):
    assert answer_rule(rules["blood_thinners"], "hmm, what?") is None
    assert answer_rule(rules["blood_thinners"], "<b></b>") is None


def test_answer_text_is_the_patients_words_cleaned_and_trimmed(rules):
    answer = answer_rule(rules["blood_thinners"], "  yes,\n\n <i>warfarin</i>  " + "x" * 2000)
    assert answer.answer_text.startswith("yes, warfarin")
    assert "<i>" not in answer.answer_text and len(answer.answer_text) <= ANSWER_MAX_LEN


def test_follow_up_rule_waits_for_its_follow_up(rules):
    assert answer_rule(rules["isotretinoin"], "yes").awaiting_follow_up is True
    assert answer_rule(rules["isotretinoin"], "no").awaiting_follow_up is False
    assert answer_rule(rules["blood_thinners"], "yes").awaiting_follow_up is False


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("3 months ago", 3),
        ("3months", 3),
        ("about 5 weeks ago", 5 * 7 / 30.44),
        ("2 years", 24),
        ("a year ago", 12),
        ("a year and a half ago", 18),
        ("half a year ago", 6),
        ("six months ago", 6),
        ("less than a year ago", 0),
        ("yesterday", 0),
        ("in 2019", (TODAY - date(2019, 12, 31)).days / 30.44),
        ("last year", (TODAY - date(2024, 12, 31)).days / 30.44),
        ("in March", (TODAY - date(2025, 3, 31)).days / 30.44),
        ("december", (TODAY - date(2024, 12, 31)).days / 30.44),
    ],
)
def test_months_since_is_read_as_a_lower_bound(text, months):
    parsed = parse_months_since(text, TODAY)
    assert parsed is not None and parsed.ongoing is False
    assert parsed.months == pytest.approx(months, abs=0.01)


def test_last_year_early_in_the_year_may_be_recent():
    assert parse_months_since("last year", date(2025, 2, 1)).months < 6


@pytest.mark.parametrize("text", ["still taking it", "I'm still on it", "currently", "on it right now"])
def test_ongoing(text):
    assert parse_months_since(text, TODAY).ongoing is True


@pytest.mark.parametrize("text", ["dunno", "yes", "a while", "in 2031", "", "🙂"])
def test_unreadable_timing_gives_none(text):
    assert parse_months_since(text, TODAY) is None


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("still taking it", Level.DEFER),
        ("3 months ago", Level.REVIEW),
        ("5 months", Level.REVIEW),
        ("6 months ago", None),
        ("2 years ago", None),
    ],
)
def test_isotretinoin_follow_up_sets_the_level_by_threshold(rules, text, level):
    rule = rules["isotretinoin"]
    first = answer_rule(rule, "yes, accutane")
    final = answer_follow_up(rule, first, text, TODAY)
    assert final.level == level
    assert final.affirmed is True and final.follow_up == text and final.awaiting_follow_up is False
    assert final.answer_text == "yes, accutane"


def test_follow_up_unclear_or_missing(rules):
    first = answer_rule(rules["isotretinoin"], "yes")
    assert answer_follow_up(rules["isotretinoin"], first, "purple", TODAY) is None
    unsure = answer_follow_up(rules["isotretinoin"], first, "no idea, I can't remember", TODAY)
    assert unsure.unsure and unsure.level is Level.REVIEW and unsure.follow_up == "no idea, I can't remember"
    with pytest.raises(ValueError):
        answer_follow_up(rules["pregnancy"], first, "3 months", TODAY)


# ---- Spanish, and both languages mixed ----


@pytest.mark.parametrize(
    "text",
    ["sí", "Sí.", "si", "SI", "¡Sí!", "¿sí?", "claro", "¡Claro que sí!", "sip", "vale", "Vale, perfecto", "de acuerdo"]
    + ["por supuesto", "acepto", "bueno, sí", "pues sí", "sí, pero solo a veces", "tengo diabetes", "tomo Sintrom"]
    + ["estoy embarazada", "todavía lo tomo", "a veces", "un poco", "me he quemado al sol", "yes, sí"],
)
def test_spanish_yes(text):
    assert interpret_yes_no(text) is True


@pytest.mark.parametrize(
    "text",
    ["no", "No.", "nop", "para nada", "nunca", "jamás", "nada", "ninguna", "claro que no", "por supuesto que no"]
    + ["no, gracias", "no tomo nada", "no estoy embarazada", "pues no", "ya no", "ya no lo tomo", "sin alergias"]
    + ["qué va", "tampoco", "ahora no", "todavía no", "no se me ocurre nada", "no acepto", "no estoy de acuerdo"],
)
def test_spanish_no(text):
    assert interpret_yes_no(text) is False


@pytest.mark.parametrize(
    "text",
    [
        "creo que no",  # read exactly as "I don't think so": a guess, never a clean no
        "creo que sí",
        "yo creo que no",
        "no estoy seguro",
        "no estoy segura",
        "No estoy muy segura",
        "no sé",
        "no se",
        "no lo sé",
        "puede ser",
        "quizás",
        "quizas",
        "tal vez",
        "a lo mejor",
        "no que yo sepa",
        "que yo sepa, no",
        "ni idea",
        "no me acuerdo",
        "no lo recuerdo",
        "probablemente no",
        "supongo que sí",
        "más o menos",
        "tengo dudas",
        "no, no sé",
        "sí... no sé",  # like "yes, not sure": a yes first is a yes
    ],
)
def test_spanish_unsure_mirrors_the_english(text):
    expected = YesNo.YES if text.startswith("sí") else YesNo.UNSURE
    assert read_yes_no(text) is expected
    if expected is YesNo.UNSURE:
        assert interpret_yes_no(text) is None


def test_creo_que_no_is_read_as_i_dont_think_so():
    assert read_yes_no("creo que no") is read_yes_no("I don't think so") is YesNo.UNSURE
    assert read_yes_no("creo que sí") is read_yes_no("I think so") is YesNo.UNSURE
    assert read_yes_no("no que yo sepa") is read_yes_no("not that I know of") is YesNo.UNSURE


@pytest.mark.parametrize(
    "text",
    ["bueno", "estoy bien", "todo bien", "ok", "si me lo explica antes", "si no es molestia", "en absoluto", "¿qué?"],
)
def test_spanish_replies_that_are_not_answers_give_none(text):
    # "en absoluto" means "not at all" in Spain and can mean "absolutely" elsewhere: asked again.
    assert read_yes_no(text) is None


@pytest.mark.parametrize("rule_id", ["pregnancy", "cold_sore_history", "bleeding_disorder", "skin_cancer"])
def test_a_spanish_unsure_answer_is_kept_in_the_patients_words_and_needs_review(rules, rule_id):
    answer = answer_rule(rules.in_language("es")[rule_id], "No estoy segura, creo que no")
    assert answer.unsure and answer.level is Level.REVIEW
    assert answer.answer_text == "No estoy segura, creo que no"
    assert answer.question == rules.in_language("es")[rule_id].question


@pytest.mark.parametrize(
    ("rule_id", "text", "affirmed"),
    [
        ("blood_thinners", "solo Adiro", True),
        ("blood_thinners", "tomo Sintrom por las mañanas", True),
        ("blood_thinners", "no tomo anticoagulantes, pero sí Eliquis", True),
        ("blood_thinners", "no", False),
        ("blood_thinners", "ya no tomo Sintrom", False),  # about now, as "not taking warfarin any more"
        ("blood_thinners", "nunca he tomado warfarina", False),
        ("blood_thinners", "ni Sintrom ni aspirina", False),
        ("blood_thinners", "no tomo anticoagulantes", False),
        ("pregnancy", "estoy embarazada de 5 meses", True),
        ("pregnancy", "no estoy embarazada", False),
        ("pregnancy", "no, I'm not pregnant", False),
        ("cold_sore_history", "nunca he tenido herpes labial", False),
        ("cold_sore_history", "sí, me salen calenturas a veces", True),
        ("isotretinoin", "nunca he tomado Roacután", False),
        ("metal_allergy", "sin alergias", False),
        ("numbing_allergy", "no tengo alergias", False),
        ("numbing_allergy", "sí, a la lidocaína", True),
        ("isotretinoin", "tomé roacutan hace años", True),
    ],
)
def test_spanish_answers_combine_yes_no_with_the_rules_terms(rules, rule_id, text, affirmed):
    rule = rules.in_language("es")[rule_id]
    answer = answer_rule(rule, text)
    assert answer.affirmed is affirmed and answer.level == (rule.level if affirmed else None)
    assert answer.answer_text == text


@pytest.mark.parametrize(
    "text",
    [
        "ya no tomo Roacután",
        "ya no",
        "lo dejé el año pasado",
        "not any more",
        "not taking roaccutane any more",
        "no longer on accutane",
        "I stopped it last year",
        "I used to",
    ],
)
def test_a_stopped_medicine_is_a_yes_when_the_rule_asks_about_the_past(rules, text):
    # "Have you ever taken isotretinoin ... or are you taking it now?": stopping is never "fine" here;
    # the follow-up asks when, and under 6 months needs review.
    for language in ("en", "es"):
        rule = rules.in_language(language)["isotretinoin"]
        answer = answer_rule(rule, text)
        assert answer.affirmed and answer.awaiting_follow_up, (language, text)
        final = answer_follow_up(rule, answer, "hace 3 meses", TODAY)
        assert final.level is Level.REVIEW


def test_an_unsure_stop_is_unsure_not_timed(rules):
    answer = answer_rule(rules["isotretinoin"], "no sé, creo que lo dejé")
    assert answer.unsure and answer.level is Level.REVIEW and not answer.awaiting_follow_up


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("hace tres meses", 3),
        ("hace 3 meses", 3),
        ("hace 2 años", 24),
        ("hace 2 anos", 24),  # without the ñ
        ("hace dos años", 24),
        ("hace un año", 12),
        ("hace un año y medio", 18),
        ("hace un mes y medio", 1.5),
        ("hace dos años y medio", 30),
        ("hace medio año", 6),
        ("hace seis meses", 6),
        ("hace doce meses", 12),
        ("hace veinte días", 20 / 30.44),
        ("hace treinta días", 30 / 30.44),
        ("hace unas semanas", 3 * 7 / 30.44),
        ("hace unos meses", 3),
        ("hace un par de meses", 2),
        ("hace menos de un año", 0),
        ("hace poco", 0),
        ("ayer", 0),
        ("la semana pasada", 0),
        ("el mes pasado", 0),
        ("el año pasado", (TODAY - date(2024, 12, 31)).days / 30.44),
        ("en marzo", (TODAY - date(2025, 3, 31)).days / 30.44),
        ("en marzo de 2024", (TODAY - date(2024, 3, 31)).days / 30.44),
        ("en diciembre", (TODAY - date(2024, 12, 31)).days / 30.44),
        ("en 2019", (TODAY - date(2019, 12, 31)).days / 30.44),
        ("lo dejé hace 8 meses", 8),
        ("no lo tomo desde hace 3 meses", 3),
        ("dejé de tomarlo desde hace 3 meses", 3),
        ("I stopped 3 meses ago", 3),  # mixed
        # A course length is not how long ago: the "ago" / "hace" one is.
        ("lo tomé durante 6 meses y lo dejé hace 2 años", 24),
        ("I took it for 6 months, stopped 2 years ago", 24),
    ],
)
def test_spanish_months_since_is_read_as_a_lower_bound(text, months):
    parsed = parse_months_since(text, TODAY)
    assert parsed is not None and parsed.ongoing is False, text
    assert parsed.months == pytest.approx(months, abs=0.01)


@pytest.mark.parametrize(
    "text",
    [
        "todavía lo tomo",
        "todavia la tomo",
        "lo tomo ahora",
        "sigo tomándolo",
        "actualmente",
        "ahora mismo",
        "lo tomo desde hace 3 meses",  # since then, and still
        "nunca lo he dejado",
        "I've been on it for 2 months",
        "I never stopped",
    ],
)
def test_spanish_and_english_ongoing(text):
    assert parse_months_since(text, TODAY).ongoing is True


@pytest.mark.parametrize("text", ["nunca", "never", "no sé", "ya no lo tomo", "hace tiempo", "en 2031", "sí"])
def test_spanish_timing_that_says_no_time_gives_none(text):
    assert parse_months_since(text, TODAY) is None


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("todavía lo tomo", Level.DEFER),
        ("hace 3 meses", Level.REVIEW),
        ("hace 5 meses", Level.REVIEW),
        ("hace 6 meses", None),
        ("hace 2 años", None),
        ("lo tomo desde hace un año", Level.DEFER),
    ],
)
def test_spanish_isotretinoin_follow_up_sets_the_level_by_threshold(rules, text, level):
    rule = rules.in_language("es")["isotretinoin"]
    first = answer_rule(rule, "sí, Roacután")
    final = answer_follow_up(rule, first, text, TODAY)
    assert final.level == level and final.follow_up == text and final.answer_text == "sí, Roacután"


@pytest.mark.parametrize("text", ["no me acuerdo", "ni idea, hace mucho", "nunca", "never", "Nunca, me equivoqué"])
def test_a_follow_up_that_does_not_say_when_is_unsure_and_needs_review(rules, text):
    rule = rules.in_language("es")["isotretinoin"]
    final = answer_follow_up(rule, answer_rule(rule, "sí"), text, TODAY)
    assert final.unsure and final.level is Level.REVIEW and final.follow_up == text


def test_a_spanish_follow_up_that_cannot_be_read_is_asked_again(rules):
    rule = rules.in_language("es")["isotretinoin"]
    assert answer_follow_up(rule, answer_rule(rule, "sí"), "morado", TODAY) is None
    assert answer_follow_up(rule, answer_rule(rule, "sí"), "ya no lo tomo", TODAY) is None  # when, then?
