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
