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
    "age": {"minimum": 18, "young_adult": {"id": "age_young", "until": 21, "level": "info", "label": "L."}},
}


def test_groups_are_checked_when_the_file_is_read():
    rule = {"id": "a_rule", "question": "Q?", "explanation": "E.", "level": "info", "answer_note": "N.", "terms": ["x"]}
    group = {"id": "group_g", "title": "t", "question": "Q?", "explanation": "E.", "rules": ["a_rule"]}
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
