"""Intake field parsers: good values come back clean, bad ones get a reason for a kind re-ask."""

from __future__ import annotations

from datetime import date

import pytest

from bot.intake import (
    InvalidField,
    normalise_free_text,
    parse_birth,
    parse_contact_method,
    parse_email,
    parse_name,
    parse_phone,
)
from bot.screening.rules import load_rules
from bot.settings import get_settings
from tests.support.responses import rendered

TODAY = date(2025, 11, 23)


# ---- names ----


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Zoë O'Brien-Nguyen", "Zoë O'Brien-Nguyen"),
        ("José da Silva", "José da Silva"),
        ("李小龍", "李小龍"),
        ("  Anna   Smith ", "Anna Smith"),
        ("My name is Anna Smith", "Anna Smith"),
        ("I'm Priya", "Priya"),
        ("<b>Ana</b> Lopez", "Ana Lopez"),
        ("Dr. J. R. R. Tolkien", "Dr. J. R. R. Tolkien"),
        ("Siobhán Ní Bhriain", "Siobhán Ní Bhriain"),
        ("محمد علي", "محمد علي"),
        ("Nguyễn Văn An", "Nguyễn Văn An"),
    ],
)
def test_real_names_are_accepted(text, expected):
    assert parse_name(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("<script>alert(1)</script>", "invalid_characters"),
        ("asdf123!!!", "invalid_characters"),
        ("", "empty"),
        ("   ", "empty"),
        (None, "empty"),
        ("A", "too_short"),
        ("x" * 101, "too_long"),
        ("12345", "invalid_characters"),
        ("bob@example.com", "invalid_characters"),
        ("aaaaaaa", "not_a_name"),
        ("test", "not_a_name"),
        ("no", "not_a_name"),
        ("Robert'); DROP TABLE students;--", "invalid_characters"),
    ],
)
def test_bad_names_are_refused_with_a_reason(text, reason):
    with pytest.raises(InvalidField) as error:
        parse_name(text)
    assert error.value.reason == reason and error.value.field == "name"
    assert rendered({"response": error.value.response, **error.value.values}).endswith("?")


def test_markup_never_comes_back():
    name = parse_name("<img src=x onerror=alert(1)>Mia &lt;b&gt;Ray&lt;/b&gt;")
    assert "<" not in name and ">" not in name and name == "Mia Ray"


# ---- date of birth / age ----


@pytest.mark.parametrize(
    ("text", "born", "age"),
    [
        ("12/03/1985", date(1985, 3, 12), 40),
        ("1985-03-12", date(1985, 3, 12), 40),
        ("12 March 1985", date(1985, 3, 12), 40),
        ("March 12, 1985", date(1985, 3, 12), 40),
        ("12th of March 85", date(1985, 3, 12), 40),
        ("12.03.1985", date(1985, 3, 12), 40),
        ("I was born on 24 Nov 1985", date(1985, 11, 24), 39),
        ("Sept 3 2001", date(2001, 9, 3), 24),
        ("03/25/1990", date(1990, 3, 25), 35),  # only one way round is a real date
        ("I'm 34", None, 34),
        ("34", None, 34),
        ("34 years old", None, 34),
        ("age: 40", None, 40),
    ],
)
def test_birth_is_read_day_first_in_the_uk(text, born, age):
    birth = parse_birth(text, TODAY)
    assert (birth.date_of_birth, birth.age) == (born, age)


def test_us_clinics_read_numeric_dates_month_first():
    assert parse_birth("12/03/1985", TODAY, region="US").date_of_birth == date(1985, 12, 3)
    assert parse_birth("12/03/1985", TODAY, region="GB").date_of_birth == date(1985, 3, 12)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("12/03/2030", "future"),
        ("24/11/2025", "future"),
        ("150", "too_old"),
        ("1/1/1900", "too_old"),
        ("31/02/1990", "not_a_date"),
        ("banana", "unreadable"),
        ("", "unreadable"),
        ("<script>1985</script>", "unreadable"),
    ],
)
def test_bad_births_are_refused(text, reason):
    with pytest.raises(InvalidField) as error:
        parse_birth(text, TODAY)
    assert error.value.reason == reason


@pytest.mark.parametrize(
    ("text", "minor", "young_adult"),
    [
        ("17", True, False),
        ("24/11/2007", True, False),
        ("23/11/2007", False, True),
        ("21", False, True),
        ("22", False, False),
        ("60", False, False),
    ],
)
def test_minor_and_young_adult(text, minor, young_adult):
    age = load_rules(get_settings().screening_rules).age  # the clinic's limits (shared/DOMAIN.md)
    birth = parse_birth(text, TODAY)
    assert (age.is_minor(birth.age), age.is_young_adult(birth.age)) == (minor, young_adult)


# ---- phone, email, contact method ----


@pytest.mark.parametrize(
    ("text", "region", "expected"),
    [
        ("07911 123456", "GB", "+447911123456"),
        ("+44 7911 123456", "US", "+447911123456"),
        ("my number is 07911 123456", "GB", "+447911123456"),
        ("020 7946 0321", "GB", "+442079460321"),
        ("(415) 555-2671", "US", "+14155552671"),
        ("+1 415 555 2671", "GB", "+14155552671"),
    ],
)
def test_valid_phones_become_e164(text, region, expected):
    assert parse_phone(text, region) == expected


@pytest.mark.parametrize("text", ["12345", "call me", "", None, "07700 900123", "+44 1234", "0" * 500])
def test_invalid_phones_give_none(text):
    assert parse_phone(text, "GB") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bob.Smith@Gmail.COM", "Bob.Smith@gmail.com"),
        ("my email is anna@example.co.uk.", "anna@example.co.uk"),
        ("  zoë@exämple.com ", "zoë@exämple.com"),
    ],
)
def test_valid_emails(text, expected):
    assert parse_email(text) == expected


@pytest.mark.parametrize("text", ["not an email", "a@b", "x@test", "a@@b.com", "", None, "@example.com"])
def test_invalid_emails_give_none(text):
    assert parse_email(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("email", "email"),
        ("Email please", "email"),
        ("phone call please", "phone"),
        ("Ring me", "phone"),
        ("text me on whatsapp", "whatsapp"),
        ("WhatsApp", "whatsapp"),
        ("Telegram", "telegram"),
        ("SMS", "sms"),
        ("a text message", "sms"),
        ("email or phone, either", "email"),
        ("contact_whatsapp", "whatsapp"),
        ('/inform{"contact":"sms"}', "sms"),
        ("phone", "phone"),
    ],
)
def test_contact_method(text, expected):
    assert parse_contact_method(text) == expected


@pytest.mark.parametrize("text", ["any", "whatever works", "", None, "🙂"])
def test_unknown_contact_method(text):
    assert parse_contact_method(text) is None


# ---- free text ----


def test_free_text_is_trimmed_single_spaced_and_plain():
    assert normalise_free_text("  acne\n\n scars \t on my  cheeks ", 100) == "acne scars on my cheeks"
    assert normalise_free_text("<p>Hello <b>there</b></p><script>steal()</script>", 100) == "Hello there"
    assert normalise_free_text("I <3 it & take <5mg", 100) == "I <3 it & take <5mg"
    assert normalise_free_text("a\x00b\x1bc\u200bd", 100) == "abcd"
    assert normalise_free_text(None, 10) == ""


def test_free_text_is_capped_at_a_word_boundary():
    text = "word " * 100
    capped = normalise_free_text(text, 42)
    assert len(capped) <= 42 and capped.endswith("word")
    assert len(normalise_free_text("x" * 10_000_000, 500)) == 500


def test_a_landline_is_told_apart_from_a_mobile():
    from bot.intake.contact import is_landline, parse_phone

    assert is_landline(parse_phone("020 7946 0321", "GB"))
    assert not is_landline(parse_phone("07911 123456", "GB"))
    assert not is_landline(parse_phone("+1 650 253 0000", "GB")), "US numbers may be either: not refused"
