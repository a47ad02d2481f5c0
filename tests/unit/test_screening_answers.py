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
