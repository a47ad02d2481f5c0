"""The screening group by group: one reply to a list of items, and how the questions follow."""

from __future__ import annotations

from datetime import date

import pytest

from bot.screening.groups import Asking, Position, apply_reply, next_question, read_group_reply
from bot.screening.rules import ScreeningRulesError, load_rules, parse_rules
from bot.screening.terms import TermReader
from bot.settings import PROJECT_ROOT

RULES = load_rules(PROJECT_ROOT / "clinic" / "screening.yml")
READER = TermReader(RULES)
GROUP = {group.id: group for group in RULES.groups}
TODAY = date(2026, 12, 1)


def _reply(group_id: str, text: str):
    return read_group_reply(GROUP[group_id], text, READER.findings)


def _ticked(group_id: str, text: str) -> set[str]:
    reply = _reply(group_id, text)
    assert reply is not None and not reply.one_at_a_time, text
    assert {answer.rule_id for answer in reply.answers} == {rule.id for rule in GROUP[group_id].rules}
    return {answer.rule_id for answer in reply.answers if answer.affirmed}


@pytest.mark.parametrize(
    ("group_id", "text", "ticked"),
    [
        ("right_now", "None of these", set()),
        ("right_now", "none", set()),
        ("right_now", "no", set()),
        ("right_now", "nope, none of those apply to me", set()),
        ("right_now", "I'm not pregnant", set()),
        ("right_now", "1", {"pregnancy"}),
        ("right_now", "1 and 5", {"pregnancy", "recent_sun"}),
        ("right_now", "2,3", {"active_acne", "active_infection"}),
        ("right_now", "the second one", {"active_acne"}),
        ("right_now", "I'm 5 months pregnant", {"pregnancy"}),
        ("right_now", "I was in Spain 10 days ago and got a little bit burnt", {"recent_sun"}),
        ("right_now", "2 weeks ago I got sunburnt", {"recent_sun"}),
        ("right_now", "no eczema, but I have an active cold sore", {"active_infection"}),
        ("treatments_and_medicines", "no, but I take warfrin", {"blood_thinners"}),
        ("treatments_and_medicines", "I use retinol most nights", {"retinoids_acids"}),
        ("allergies", "Lidocaine or any numbing cream", {"numbing_allergy"}),  # a copied line
    ],
)
def test_a_reply_in_the_patients_words_answers_every_item(group_id, text, ticked):
    assert _ticked(group_id, text) == ticked


def test_every_answer_keeps_the_patients_words_and_a_yes_raises_its_rules_level():
    reply = _reply("right_now", "I'm 5 months pregnant")
    pregnancy = next(answer for answer in reply.answers if answer.rule_id == "pregnancy")
    assert pregnancy.answer_text == "I'm 5 months pregnant" and pregnancy.level == RULES["pregnancy"].level
    assert all(answer.level is None for answer in reply.answers if answer.rule_id != "pregnancy")


def test_not_sure_about_a_named_item_is_unsure_never_a_no():
    reply = _reply("conditions", "not sure about 6")
    cold_sores = next(answer for answer in reply.answers if answer.rule_id == "cold_sore_history")
    assert cold_sores.unsure and cold_sores.level.value == "review"


@pytest.mark.parametrize("text", ["not sure", "I don't know", "maybe", "yes", "yes, one of them"])
def test_unsure_or_a_yes_without_which_goes_one_item_at_a_time(text):
    assert _reply("right_now", text).one_at_a_time


@pytest.mark.parametrize("text", ["number 9", "hmm", "🙂", "what?"])
def test_what_cannot_be_read_is_asked_again(text):
    assert _reply("right_now", text) is None


def _run(replies: list[str]) -> tuple[list, list[str]]:
    """Answers each question in turn; returns the answers and what was asked."""
    position, answers, asked = Position(), (), []
    for text in replies:
        question = next_question(RULES, position, answers)
        asked.append(question.asking.value if question.asking is not Asking.RULE else question.rule.id)
        step = apply_reply(RULES, position, answers, text, TODAY, READER.findings)
        assert step is not None, text
        position, answers = step.position, step.answers
    assert next_question(RULES, position, answers) is None, "the screening is complete"
    return list(answers), asked


def test_an_uncomplicated_screening_is_one_reply_per_group():
    answers, asked = _run(["None of these"] * len(RULES.groups))
    assert asked == ["group"] * len(RULES.groups) and len(answers) == len(RULES)


def test_a_follow_up_is_asked_for_a_ticked_item_only_and_then_the_next_group():
    replies = ["no", "I took roaccutane", "I stopped 3 months ago", "none", "none"]
    answers, asked = _run(replies)
    assert asked == ["group", "group", "follow_up", "group", "group"]
    isotretinoin = next(answer for answer in answers if answer.rule_id == "isotretinoin")
    assert isotretinoin.follow_up == "I stopped 3 months ago" and isotretinoin.level.value == "review"


def test_one_at_a_time_asks_each_item_of_that_group_only():
    group = RULES.groups[0]
    replies = ["not sure"] + ["no"] * len(group.rules) + ["none"] * (len(RULES.groups) - 1)
    _answers, asked = _run(replies)
    assert asked == ["group", *(rule.id for rule in group.rules), *["group"] * (len(RULES.groups) - 1)]


BASICS = {
    "unsure_note": "U.",
    "es": {"unsure_note": "U es."},
    "age": {
        "minimum": 18,
        "young_adult": {"id": "age_young", "until": 21, "level": "info", "label": "L.", "es": {"label": "L es."}},
    },
}


def test_groups_are_checked_when_the_file_is_read():
    spanish = {"question": "¿Q?", "explanation": "E es.", "answer_note": "N es.", "terms": ["y"]}
    rule = {"id": "a_rule", "question": "Q?", "explanation": "E.", "level": "info", "answer_note": "N.", "terms": ["x"]}
    rule["es"] = spanish
    group = {"id": "group_g", "title": "t", "question": "Q?", "explanation": "E.", "rules": ["a_rule"]}
    group["es"] = {"title": "t es", "question": "¿Q?", "explanation": "E es."}
    assert parse_rules({**BASICS, "rules": [rule], "groups": [group]}).groups[0].rules[0].id == "a_rule"
    assert len(parse_rules({**BASICS, "rules": [rule]}).groups) == 1, "without groups, each rule on its own"
    with pytest.raises(ScreeningRulesError, match="unknown rule 'other'"):
        parse_rules({**BASICS, "rules": [rule], "groups": [{**group, "rules": ["a_rule", "other"]}]})
    with pytest.raises(ScreeningRulesError, match="not in any group: b_rule"):
        parse_rules({**BASICS, "rules": [rule, {**rule, "id": "b_rule"}], "groups": [group]})
    with pytest.raises(ScreeningRulesError, match="in both group 'group_g'"):
        parse_rules({**BASICS, "rules": [rule], "groups": [group, {**group, "id": "group_h"}]})


def test_a_leading_no_answers_the_list_and_does_not_negate_what_follows():
    assert _ticked("conditions", "No. I have had cold sores since childhood") == {"cold_sore_history"}


def test_both_or_all_of_them_ticks_every_item():
    assert _ticked("allergies", "both") == {"metal_allergy", "numbing_allergy"}


# ---- Spanish, and both languages mixed ----

SPANISH_GROUP = {group.id: group for group in RULES.in_language("es").groups}


def _ticked_es(group_id: str, text: str) -> set[str]:
    reply = read_group_reply(SPANISH_GROUP[group_id], text, READER.findings)
    assert reply is not None and not reply.one_at_a_time, text
    assert {answer.rule_id for answer in reply.answers} == {rule.id for rule in SPANISH_GROUP[group_id].rules}
    return {answer.rule_id for answer in reply.answers if answer.affirmed}


@pytest.mark.parametrize(
    ("group_id", "text", "ticked"),
    [
        ("right_now", "Ninguna de estas", set()),
        ("right_now", "ninguna", set()),
        ("right_now", "no, ninguna", set()),
        ("right_now", "nada de eso", set()),
        ("right_now", "no me pasa ninguna", set()),
        ("right_now", "No tengo ninguna de estas", set()),
        ("right_now", "no", set()),
        ("right_now", "no estoy embarazada", set()),
        ("right_now", "1", {"pregnancy"}),
        ("right_now", "1 y 5", {"pregnancy", "recent_sun"}),
        ("right_now", "la 2", {"active_acne"}),
        ("right_now", "la segunda", {"active_acne"}),
        ("right_now", "la primera y la tercera", {"pregnancy", "active_infection"}),
        ("right_now", "estoy embarazada de 5 meses", {"pregnancy"}),
        ("right_now", "hace 10 días me quemé al sol", {"recent_sun"}),  # 10 days is not item 10
        ("right_now", "no tengo eccema, pero sí un sarpullido", {"active_infection"}),
        ("right_now", "Embarazo, intentar quedarse embarazada o lactancia", {"pregnancy"}),  # a copied line
        ("treatments_and_medicines", "no, pero tomo Sintrom", {"blood_thinners"}),
        ("treatments_and_medicines", "uso retinol casi todas las noches", {"retinoids_acids"}),
        ("treatments_and_medicines", "ya no tomo Sintrom", set()),  # about now
        ("treatments_and_medicines", "ya no tomo Roacután", {"isotretinoin"}),  # ever: the follow-up asks when
        ("treatments_and_medicines", "lo dejé hace un año, el roacutan", {"isotretinoin"}),
        ("conditions", "el último", {"cold_sore_history"}),
        ("conditions", "No. Tengo calenturas desde pequeña", {"cold_sore_history"}),
        ("allergies", "las dos", {"metal_allergy", "numbing_allergy"}),
        ("allergies", "ambas", {"metal_allergy", "numbing_allergy"}),
        ("allergies", "todas", {"metal_allergy", "numbing_allergy"}),
        ("right_now", "I'm not pregnant, pero tengo granos", {"active_acne"}),  # mixed
    ],
)
def test_a_spanish_reply_answers_every_item(group_id, text, ticked):
    assert _ticked_es(group_id, text) == ticked


def test_a_stopped_isotretinoin_in_a_group_reply_is_asked_when():
    spanish = RULES.in_language("es")
    first = apply_reply(spanish, Position(), (), "ninguna", TODAY, READER.findings)
    step = apply_reply(spanish, first.position, first.answers, "ya no tomo Roacután", TODAY, READER.findings)
    question = next_question(spanish, step.position, step.answers)
    assert question.asking is Asking.FOLLOW_UP and question.rule.id == "isotretinoin"
    assert question.rule.follow_up.question.startswith("¿Cuándo tomó la última dosis?")


def test_not_sure_about_a_named_spanish_item_is_unsure_never_a_no():
    reply = read_group_reply(SPANISH_GROUP["conditions"], "no estoy segura de la 6", READER.findings)
    cold_sores = next(answer for answer in reply.answers if answer.rule_id == "cold_sore_history")
    assert cold_sores.unsure and cold_sores.level.value == "review"


@pytest.mark.parametrize("text", ["no sé", "no estoy segura", "quizás", "sí", "sí, una de ellas"])
def test_spanish_unsure_or_a_yes_without_which_goes_one_item_at_a_time(text):
    assert read_group_reply(SPANISH_GROUP["right_now"], text, READER.findings).one_at_a_time


@pytest.mark.parametrize("text", ["la primera vez que me pasó", "un segundo", "el 9", "¿qué?"])
def test_spanish_replies_that_cannot_be_read_are_asked_again(text):
    assert read_group_reply(SPANISH_GROUP["right_now"], text, READER.findings) is None
