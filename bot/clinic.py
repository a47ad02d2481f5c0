"""The clinic's editable details (clinic/clinic.yml), loaded and validated once at start-up."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import phonenumbers

from bot.yaml_files import read_yaml


class ClinicConfigError(ValueError):
    """The clinic file is missing, unreadable or has a wrong field; the message names it."""


@dataclass(frozen=True)
class OpeningHours:
    days: str
    open: str | None
    close: str | None

    @property
    def closed(self) -> bool:
        return self.open is None

    def describe(self) -> str:
        return f"{self.days}: closed" if self.closed else f"{self.days}: {self.open} to {self.close}"


@dataclass(frozen=True)
class PriceItem:
    item: str
    price: str


@dataclass(frozen=True)
class Retention:
    """How long personal data is kept (docs/privacy.md); applied by `make purge` and hourly by `make run`."""

    unfinished_form_hours: int = 2
    conversation_days: int = 30
    request_months: int = 24
    audit_log_months: int = 72


@dataclass(frozen=True)
class Clinic:
    name: str
    phone: str
    email: str
    website: str
    address: str
    default_region: str
    emergency_number: str
    hours: tuple[OpeningHours, ...]
    currency: str
    prices: tuple[PriceItem, ...]
    appointment_length: str
    retention: Retention = Retention()

    def hours_text(self) -> str:
        return "\n".join(f"- {h.describe()}" for h in self.hours)

    def prices_text(self) -> str:
        return "\n".join(f"- {p.item}: {p.price}" for p in self.prices)

    def contact_text(self) -> str:
        return f"Phone {self.phone}, email {self.email}, or visit us at {self.address}."


_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_REQUIRED_TEXT = (
    "name",
    "phone",
    "email",
    "website",
    "address",
    "default_region",
    "emergency_number",
    "currency",
    "appointment_length",
)


def _text(raw: dict[str, Any], key: str, where: str = "") -> str:
    value = raw.get(key)
    if value is None or not str(value).strip():
        raise ClinicConfigError(f"clinic config: '{where}{key}' is missing or empty")
    return str(value).strip()


def _parse_hours(raw: Any) -> tuple[OpeningHours, ...]:
    if not isinstance(raw, list) or not raw:
        raise ClinicConfigError("clinic config: 'hours' must be a non-empty list")
    result = []
    for index, entry in enumerate(raw):
        where = f"hours[{index}]."
        if not isinstance(entry, dict):
            raise ClinicConfigError(f"clinic config: 'hours[{index}]' must be a mapping")
        days = _text(entry, "days", where)
        if entry.get("closed") is True:
            result.append(OpeningHours(days, None, None))
            continue
        opens, closes = _text(entry, "open", where), _text(entry, "close", where)
        for key, value in (("open", opens), ("close", closes)):
            if not _TIME.match(value):
                raise ClinicConfigError(f"clinic config: '{where}{key}' must look like 09:30, got {value!r}")
        if opens >= closes:
            raise ClinicConfigError(f"clinic config: '{where}open' must be before 'close'")
        result.append(OpeningHours(days, opens, closes))
    return tuple(result)


def _parse_prices(raw: Any) -> tuple[PriceItem, ...]:
    if not isinstance(raw, list) or not raw:
        raise ClinicConfigError("clinic config: 'prices' must be a non-empty list")
    result = []
    for index, entry in enumerate(raw):
        if not isinstance(entry, dict):
            raise ClinicConfigError(f"clinic config: 'prices[{index}]' must be a mapping")
        where = f"prices[{index}]."
        result.append(PriceItem(_text(entry, "item", where), _text(entry, "price", where)))
    return tuple(result)


def _parse_retention(raw: Any) -> Retention:
    if raw is None:
        return Retention()
    if not isinstance(raw, dict):
        raise ClinicConfigError("clinic config: 'retention' must be a mapping of periods")
    known = Retention.__dataclass_fields__
    for key in raw:
        if key not in known:
            raise ClinicConfigError(f"clinic config: 'retention.{key}' is not a known setting ({', '.join(known)})")
    values = {}
    for key, value in raw.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ClinicConfigError(
                f"clinic config: 'retention.{key}' must be a whole number of at least 1, got {value!r}"
            )
        values[key] = value
    return Retention(**values)


def parse_clinic(raw: Any) -> Clinic:
    if not isinstance(raw, dict):
        raise ClinicConfigError("clinic config: the file must be a mapping of fields")
    values = {key: _text(raw, key) for key in _REQUIRED_TEXT}
    region = values["default_region"].upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise ClinicConfigError(f"clinic config: 'default_region' {region!r} is not a known region code")
    try:
        parsed_phone = phonenumbers.parse(values["phone"], region)
    except phonenumbers.NumberParseException as error:
        raise ClinicConfigError(f"clinic config: 'phone' cannot be read: {error}") from error
    if not phonenumbers.is_valid_number(parsed_phone):
        raise ClinicConfigError(f"clinic config: 'phone' {values['phone']!r} is not a valid number")
    if "@" not in values["email"]:
        raise ClinicConfigError("clinic config: 'email' must be an email address")
    values["default_region"] = region
    return Clinic(
        hours=_parse_hours(raw.get("hours")),
        prices=_parse_prices(raw.get("prices")),
        retention=_parse_retention(raw.get("retention")),
        **values,
    )


def load_clinic(path: Path | str) -> Clinic:
    return parse_clinic(read_yaml(path, ClinicConfigError, "clinic config"))


@lru_cache(maxsize=4)
def cached_clinic(path: str) -> Clinic:
    """The clinic as loaded once per process for the given file."""
    return load_clinic(path)
