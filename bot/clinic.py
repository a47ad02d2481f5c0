"""The clinic's editable details (clinic/clinic.yml), loaded and validated once at start-up."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

import phonenumbers
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from bot.yaml_files import friendly_errors, read_yaml


class ClinicConfigError(ValueError):
    """The clinic file is missing, unreadable or has a wrong field; the message names it."""


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Period = Annotated[int, Field(strict=True, ge=1)]  # strict: `true` or "2" is a mistake, not a number
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class _Model(BaseModel):
    # A number where text is expected ("price: 250") is read as that text.
    model_config = ConfigDict(frozen=True, extra="forbid", coerce_numbers_to_str=True)


class OpeningHours(_Model):
    days: Text
    open: str | None = None
    close: str | None = None
    closed: bool = False

    @field_validator("open", "close")
    @classmethod
    def _a_time(cls, value: str | None) -> str | None:
        if value is not None and not _TIME.match(value.strip()):
            raise ValueError(f"must look like 09:30, got {value!r}")
        return value and value.strip()

    @field_validator("close")
    @classmethod
    def _after_open(cls, value: str | None, info: ValidationInfo) -> str | None:
        opens = info.data.get("open")
        if value is not None and opens is not None and opens >= value:
            raise ValueError("must be after 'open'")
        return value

    @model_validator(mode="after")
    def _open_and_close_or_closed(self) -> OpeningHours:
        if not self.closed and not (self.open and self.close):
            raise ValueError("needs 'open' and 'close', or 'closed: true'")
        return self

    def describe(self) -> str:
        return f"{self.days}: closed" if self.closed else f"{self.days}: {self.open} to {self.close}"


class PriceItem(_Model):
    item: Text
    price: Text


class Retention(_Model):
    """How long personal data is kept (docs/privacy.md); applied by `make purge` and hourly by `make run`."""

    unfinished_form_hours: Period = 2
    conversation_days: Period = 30
    request_months: Period = 24
    audit_log_months: Period = 72


class Clinic(_Model):
    name: Text
    phone: Text
    email: Text
    website: Text
    address: Text
    # Region used to read phone numbers written without a country code.
    default_region: Text
    emergency_number: Text
    hours: Annotated[tuple[OpeningHours, ...], Field(min_length=1)]
    currency: Text
    prices: Annotated[tuple[PriceItem, ...], Field(min_length=1)]
    appointment_length: Text
    retention: Retention = Retention()

    @field_validator("default_region")
    @classmethod
    def _known_region(cls, region: str) -> str:
        if region.upper() not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"{region.upper()!r} is not a known region code")
        return region.upper()

    @field_validator("email")
    @classmethod
    def _an_address(cls, email: str) -> str:
        if "@" not in email:
            raise ValueError("must be an email address")
        return email

    @model_validator(mode="after")
    def _a_valid_phone(self) -> Clinic:
        try:
            parsed = phonenumbers.parse(self.phone, self.default_region)
        except phonenumbers.NumberParseException as error:
            raise PydanticCustomError("clinic_phone", "'phone' cannot be read: {why}", {"why": str(error)}) from None
        if not phonenumbers.is_valid_number(parsed):
            raise PydanticCustomError("clinic_phone", "'phone' {phone!r} is not a valid number", {"phone": self.phone})
        return self

    def hours_text(self) -> str:
        return "\n".join(f"- {h.describe()}" for h in self.hours)

    def prices_text(self) -> str:
        return "\n".join(f"- {p.item}: {p.price}" for p in self.prices)

    def contact_text(self) -> str:
        return f"Phone {self.phone}, email {self.email}, or visit us at {self.address}."


def parse_clinic(raw: Any) -> Clinic:
    if not isinstance(raw, dict):
        raise ClinicConfigError("clinic config: the file must be a mapping of fields")
    try:
        return Clinic.model_validate(raw)
    except ValidationError as error:
        raise ClinicConfigError(friendly_errors("clinic config", error)) from None


def load_clinic(path: Path | str) -> Clinic:
    return parse_clinic(read_yaml(path, ClinicConfigError, "clinic config"))


@lru_cache(maxsize=4)
def cached_clinic(path: str) -> Clinic:
    """The clinic as loaded once per process for the given file."""
    return load_clinic(path)
