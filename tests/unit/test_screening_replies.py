"""Free-text replies to screening questions: yes/no, a rule's terms, and the follow-up timing."""
from __future__ import annotations

from datetime import date

import pytest

from bot.screening.replies import (
    ANSWER_MAX_LEN, answer_follow_up, answer_rule, interpret_yes_no, parse_months_since,
)
from bot.screening.rules import Level, load_rules
from bot.settings import PROJECT_ROOT

TODAY = date(2025, 11, 23)


@pytest.fixture(scope="module")
def rules():
    return load_rules(PROJECT_ROOT / "clinic" / "screening.yml")


@pytest.mark.parametrize("text", [
    "yes", "Yes.", "YES!", "yep", "y", "Y", "yeah", "yup", "sure", "correct", "I am", "I do",
    "I'm 5 months pregnant", "only aspirin", "just a little", "of course", "/affirm", "👍", "👍🏽", "✅",
    "yes please", "I think so",
])
def test_yes(text):
    assert interpret_yes_no(text) is True


@pytest.mark.parametrize("text", [
    "no", "No.", "nope", "n", "N", "nah", "not at all", "never", "i don't think so", "I dont think so",
    "I’m not pregnant", "im not", "absolutely not", "of course not", "none", "nothing", "I haven't",
    "I've never had one", "/deny", "👎", "❌", "no thanks", "not that i know of", "I have none",
    "I have no allergies", "I'm never in the sun",
])
def test_no(text):
    assert interpret_yes_no(text) is False


@pytest.mark.parametrize("text", [
    "not sure", "I'm not sure", "no idea", "maybe", "I don't know", "idk", "dunno", "perhaps",
    "asdkjh", "qwerty uiop", "", "   ", "🤷", "👍👎", "what do you mean?", "?", None, 42,
    "I'm fine", "im good thanks", "ok",
])
def test_unclear_replies_give_none_so_the_form_asks_again(text):
    assert interpret_yes_no(text) is None


def test_very_long_and_odd_unicode_messages_do_not_crash():
    assert interpret_yes_no("yes " + "blah " * 50_000) is True
    assert interpret_yes_no("\u0000\u202e\ufeff" * 1000) is None
    assert interpret_yes_no("🙂" * 10_000) is None


@pytest.mark.parametrize(("rule_id", "text", "affirmed"), [
    ("blood_thinners", "only aspirin", True),
    ("blood_thinners", "I take Eliquis twice a day", True),
    ("blood_thinners", "Plavix", True),
    ("blood_thinners", "no blood thinners, but I take Xarelto", True),
    ("blood_thinners", "no", False),
    ("blood_thinners", "not taking warfarin any more", False),
    ("blood_thinners", "never taken warfarin", False),
    ("blood_thinners", "no warfarin, no aspirin", False),
    ("isotretinoin", "roaccutane a while back", True),
    ("pregnancy", "I'm 5 months pregnant", True),
    ("pregnancy", "not pregnant", False),
    ("cold_sore_history", "I've never had cold sores", False),
    ("cold_sore_history", "yes, a few times a year", True),
])
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


@pytest.mark.parametrize(("text", "months"), [
    ("3 months ago", 3), ("3months", 3), ("about 5 weeks ago", 5 * 7 / 30.44), ("2 years", 24),
    ("a year ago", 12), ("a year and a half ago", 18), ("half a year ago", 6), ("six months ago", 6),
    ("less than a year ago", 0), ("yesterday", 0), ("in 2019", (TODAY - date(2019, 12, 31)).days / 30.44),
    ("last year", (TODAY - date(2024, 12, 31)).days / 30.44),
    ("in March", (TODAY - date(2025, 3, 31)).days / 30.44),
    ("december", (TODAY - date(2024, 12, 31)).days / 30.44),
])
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


@pytest.mark.parametrize(("text", "level"), [
    ("still taking it", Level.DEFER),
    ("3 months ago", Level.REVIEW),
    ("5 months", Level.REVIEW),
    ("6 months ago", None),
    ("2 years ago", None),
])
def test_isotretinoin_follow_up_sets_the_level_by_threshold(rules, text, level):
    rule = rules["isotretinoin"]
    first = answer_rule(rule, "yes, accutane")
    final = answer_follow_up(rule, first, text, TODAY)
    assert final.level == level
    assert final.affirmed is True and final.follow_up == text and final.awaiting_follow_up is False
    assert final.answer_text == "yes, accutane"


def test_follow_up_unclear_or_missing(rules):
    first = answer_rule(rules["isotretinoin"], "yes")
    assert answer_follow_up(rules["isotretinoin"], first, "no idea", TODAY) is None
    with pytest.raises(ValueError):
        answer_follow_up(rules["pregnancy"], first, "3 months", TODAY)
