"""clinic/clinic.yml is staff-edited: every mistake stops start-up with a message naming the field."""

from __future__ import annotations

import copy

import pytest
import yaml

from bot.clinic import ClinicConfigError, load_clinic, parse_clinic
from bot.settings import PROJECT_ROOT

SHIPPED = yaml.safe_load((PROJECT_ROOT / "clinic" / "clinic.yml").read_text())


def with_change(path: str, value) -> dict:
    raw = copy.deepcopy(SHIPPED)
    *parents, last = path.split(".")
    target = raw
    for key in parents:
        target = target[int(key)] if isinstance(target, list) else target[key]
    if value is ...:
        del target[last]
    else:
        target[last] = value
    return raw


def test_the_shipped_file_loads():
    clinic = load_clinic(PROJECT_ROOT / "clinic" / "clinic.yml")
    assert clinic.name and clinic.default_region == "GB"
    assert "Sunday: closed" in clinic.hours_text()
    assert clinic.prices and all(item.price for item in clinic.prices)


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("name", ..., "'name' is missing"),
        ("phone", "12", "'phone'"),
        ("default_region", "XX", "'default_region' 'XX'"),
        ("email", "not-an-address", "'email'"),
        ("hours", [], "'hours' must be a non-empty list"),
        ("hours.0.open", "9am", "'hours[0].open' must look like 09:30"),
        ("hours.0.close", "08:00", "'hours[0].close' must be after 'open'"),
        ("hours.0.open", ..., "'hours[0]' needs 'open' and 'close', or 'closed: true'"),
        ("prices.0.price", 250, None),  # a number is read as its text
        ("hours.0.days", {"from": "Monday"}, "'hours[0].days' must be text"),
        ("website", ["a", "b"], "'website' must be text"),
        ("prices", "cheap", "'prices' must be a non-empty list"),
        ("prices.0.price", "", "'prices[0].price' is missing"),
    ],
)
def test_each_mistake_names_its_field(path, value, message):
    if message is None:
        parse_clinic(with_change(path, value))
        return
    with pytest.raises(ClinicConfigError) as raised:
        parse_clinic(with_change(path, value))
    assert message in str(raised.value)


def test_missing_and_broken_files_are_named(tmp_path):
    with pytest.raises(ClinicConfigError, match="not found"):
        load_clinic(tmp_path / "nope.yml")
    broken = tmp_path / "clinic.yml"
    broken.write_text("name: [unclosed")
    with pytest.raises(ClinicConfigError, match="not valid YAML"):
        load_clinic(broken)


# ---- the Spanish texts (`es:`) ----

CLINIC = load_clinic(PROJECT_ROOT / "clinic" / "clinic.yml")


def test_in_spanish_every_text_a_patient_reads_is_spanish():
    spanish = CLINIC.in_language("es")
    assert spanish.language == "es" and CLINIC.language == "en"
    assert spanish.hours_text().splitlines() == [
        "- De lunes a viernes: de 09:00 a 19:00",
        "- Sábado: de 10:00 a 16:00",
        "- Domingo: cerrado",
    ]
    assert spanish.prices_text().splitlines()[:2] == [
        "- Consulta y análisis de la piel: gratis",  # a price in words has its Spanish
        "- Microneedling, rostro completo: £250",  # an amount is the English one
    ]
    assert spanish.appointment_length.startswith("Entre 60 y 90 minutos")
    assert spanish.contact_text() == (
        "Teléfono +44 20 7946 0321, correo electrónico hello@lumenskin.example; "
        "también puede visitarnos en 12 Example Street, London W1A 1AA."
    )


def test_in_spanish_the_clinics_details_and_settings_are_the_same():
    spanish = CLINIC.in_language("es")
    for field in ("name", "phone", "email", "website", "address", "default_region", "emergency_number", "currency"):
        assert getattr(spanish, field) == getattr(CLINIC, field), field
    assert spanish.retention == CLINIC.retention
    assert [(h.open, h.close, h.closed) for h in spanish.hours] == [(h.open, h.close, h.closed) for h in CLINIC.hours]
    assert [p.price for p in spanish.prices][1:] == [p.price for p in CLINIC.prices][1:]


def test_english_is_the_clinic_itself_and_each_language_leads_back():
    assert CLINIC.in_language("en") is CLINIC
    spanish = CLINIC.in_language("es")
    assert spanish.in_language("es") is spanish and spanish.in_language("en") is CLINIC
    assert CLINIC.hours_text().splitlines()[-1] == "- Sunday: closed"
    assert CLINIC.contact_text().startswith("Phone +44 20 7946 0321, email")


@pytest.mark.parametrize("language", ["fr", "ES", "", None])
def test_an_unknown_language_is_refused(language):
    with pytest.raises(ValueError, match="language must be one of en, es"):
        CLINIC.in_language(language)


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("es", ..., "'es' is missing"),
        ("es", "Spanish", "'es' must be a mapping"),
        ("es.appointment_length", ..., "'es.appointment_length' is missing"),
        ("es.appointment_length", "  ", "'es.appointment_length' is missing or empty"),
        ("es.hours.0.days", "", "'es.hours[0].days' is missing or empty"),
        ("es.hours.0.open", "09:00", "'es.hours[0].open' is not a known setting"),  # times are not repeated
        ("es.name", "Clínica Lumen", "'es.name' is not a known setting"),
        (
            "es.hours",
            [{"days": "Lunes"}],
            "'es.hours' has 1 entry but 'hours' has 3 entries: one Spanish entry for each",
        ),
        ("es.prices", [], "'es.prices' must be a non-empty list"),
        ("es.prices.0.price", ..., "'es.prices[0].price' is missing: 'prices[0].price' ('free') is in words"),
        ("es.prices.1.price", "250 £", None),  # an amount may be written the Spanish way
        ("es.prices.0.item", ..., "'es.prices[0].item' is missing"),
    ],
)
def test_each_mistake_in_the_spanish_texts_names_its_field(path, value, message):
    test_each_mistake_names_its_field(path, value, message)


def test_a_list_changed_in_english_but_not_in_spanish_is_named():
    raw = with_change("prices", [*SHIPPED["prices"], {"item": "Neck only", "price": "£150"}])
    with pytest.raises(ClinicConfigError) as raised:
        parse_clinic(raw)
    assert "'es.prices' has 4 entries but 'prices' has 5 entries" in str(raised.value)
