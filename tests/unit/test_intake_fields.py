"""Intake field parsers: good values come back clean, bad ones get a reason for a kind re-ask."""

from __future__ import annotations

from datetime import date

import pytest

from bot.intake import (
    Birth,
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


# ---- Spanish, and both languages mixed ----


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("José Núñez", "José Núñez"),
        ("María-José Peña Ibáñez", "María-José Peña Ibáñez"),
        ("Begoña", "Begoña"),
        ("Íñigo Ortúzar", "Íñigo Ortúzar"),
        ("Ana Belén García-Muñoz", "Ana Belén García-Muñoz"),
        ("Mª José Peña", "Mª José Peña"),
        ("D.ª Begoña Ruiz", "D.ª Begoña Ruiz"),
        ("Lucía O’Neill", "Lucía O’Neill"),
        ("Me llamo José Núñez", "José Núñez"),
        ("Mi nombre es María-José Peña Ibáñez", "María-José Peña Ibáñez"),
        ("Soy Begoña", "Begoña"),
        ("Hola, soy Begoña", "Begoña"),
        ("<b>José</b> Núñez", "José Núñez"),
        ("Jos&eacute; N&uacute;&ntilde;ez", "José Núñez"),  # entities decoded, never doubled
    ],
)
def test_spanish_names_are_kept_exactly(text, expected):
    assert parse_name(text) == expected


def test_a_name_typed_with_combining_accents_is_the_same_name():
    import unicodedata

    decomposed = unicodedata.normalize("NFD", "José Núñez")
    assert decomposed != "José Núñez" and parse_name(decomposed) == "José Núñez"


@pytest.mark.parametrize("text", ["sí", "hola", "ninguno", "nada", "prueba", "anónimo", "no sé"])
def test_spanish_words_that_are_not_names_are_refused(text):
    with pytest.raises(InvalidField) as error:
        parse_name(text)
    assert error.value.reason == "not_a_name"


@pytest.mark.parametrize(
    ("text", "born"),
    [
        ("14 de marzo de 1985", date(1985, 3, 14)),
        ("14 marzo 1985", date(1985, 3, 14)),
        ("14/03/1985", date(1985, 3, 14)),
        ("3 de abril del 90", date(1990, 4, 3)),
        ("el 5 de mayo de 1979", date(1979, 5, 5)),
        ("Nací el 14 de Marzo de 1985", date(1985, 3, 14)),
        ("Naci el 14 de marzo de 1985", date(1985, 3, 14)),
        ("marzo 14 de 1985", date(1985, 3, 14)),
        ("1º de mayo de 1980", date(1980, 5, 1)),
        ("1ro de enero de 1990", date(1990, 1, 1)),
        ("1 de octubre del 2001", date(2001, 10, 1)),
        ("14 de setiembre de 1985", date(1985, 9, 14)),
        ("14-mar-1985", date(1985, 3, 14)),
        ("1 ene 1990", date(1990, 1, 1)),
        ("2 feb. 1991", date(1991, 2, 2)),
        ("3 mar 1992", date(1992, 3, 3)),
        ("4 abr 1993", date(1993, 4, 4)),
        ("5 may 1994", date(1994, 5, 5)),
        ("6 jun 1995", date(1995, 6, 6)),
        ("7 jul 1996", date(1996, 7, 7)),
        ("8 ago 1997", date(1997, 8, 8)),
        ("9 sep 1998", date(1998, 9, 9)),
        ("10 sept 1999", date(1999, 9, 10)),
        ("11 oct 2000", date(2000, 10, 11)),
        ("12 nov 2001", date(2001, 11, 12)),
        ("13 dic 2002", date(2002, 12, 13)),
        ("fecha de nacimiento: 24/11/1985", date(1985, 11, 24)),
        ("born 14 de marzo 1985", date(1985, 3, 14)),  # mixed
    ],
)
def test_spanish_dates_of_birth(text, born):
    birth = parse_birth(text, TODAY)
    assert birth.date_of_birth == born
    assert birth.age == TODAY.year - born.year - ((TODAY.month, TODAY.day) < (born.month, born.day))


@pytest.mark.parametrize(
    ("text", "age"),
    [("tengo 34 años", 34), ("tengo 34 anos", 34), ("34 años", 34), ("tengo 34", 34), ("edad: 40", 40)]
    + [("mi edad es 40", 40), ("tengo 34 años de edad", 34)],
)
def test_spanish_ages(text, age):
    assert parse_birth(text, TODAY) == Birth(None, age)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("30 de febrero de 1990", "not_a_date"),
        ("14 de marzo de 2030", "future"),
        ("tengo 150 años", "too_old"),
        ("no me acuerdo", "unreadable"),
    ],
)
def test_bad_spanish_births_are_refused(text, reason):
    with pytest.raises(InvalidField) as error:
        parse_birth(text, TODAY)
    assert error.value.reason == reason


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("por correo", "email"),
        ("correo electrónico", "email"),
        ("llámame", "phone"),
        ("por teléfono", "phone"),
        ("al móvil", "phone"),
        ("al celular", "phone"),
        ("por wasap", "whatsapp"),
        ("mándame un mensaje por WhatsApp", "whatsapp"),
        ("mensaje de texto", "sms"),
        ("por Telegram", "telegram"),
        ("por email o teléfono", "email"),
    ],
)
def test_spanish_contact_method(text, expected):
    assert parse_contact_method(text) == expected


@pytest.mark.parametrize("text", ["cualquiera", "me da igual", "lo que sea"])
def test_unknown_spanish_contact_method(text):
    assert parse_contact_method(text) is None
