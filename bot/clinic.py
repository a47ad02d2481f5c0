"""The clinic's editable details (clinic/clinic.yml), loaded and validated once at start-up.

The file gives each text a patient reads in English and, under `es:`, in Spanish;
`Clinic.in_language("es")` is the clinic with the Spanish texts in place.
"""

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
    PrivateAttr,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from bot.language import checked_language
from bot.yaml_files import friendly_errors, read_yaml


class ClinicConfigError(ValueError):
    """The clinic file is missing, unreadable or has a wrong field; the message names it."""


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Period = Annotated[int, Field(strict=True, ge=1)]  # strict: `true` or "2" is a mistake, not a number
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_HAS_WORDS = re.compile(r"[^\W\d_]")  # a letter: "free" or "from £250", not "£250"
# The few words the code itself adds around the clinic's texts, in each language.
_WORDING = {
    "en": {
        "closed": "{days}: closed",
        "open": "{days}: {open} to {close}",
        "contact": "Phone {phone}, email {email}, or visit us at {address}.",
    },
    "es": {
        "closed": "{days}: cerrado",
        "open": "{days}: de {open} a {close}",
        "contact": "Teléfono {phone}, correo electrónico {email}; también puede visitarnos en {address}.",
    },
}


def _entries(count: int) -> str:
    return f"{count} entry" if count == 1 else f"{count} entries"


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

    def describe(self, language: str = "en") -> str:
        wording = _WORDING[checked_language(language)]
        if self.closed:
            return wording["closed"].format(days=self.days)
        return wording["open"].format(days=self.days, open=self.open, close=self.close)


class PriceItem(_Model):
    item: Text
    price: Text


class _SpanishHours(_Model):
    days: Text


class _SpanishPrice(_Model):
    item: Text
    price: Text | None = None  # needed when the English price is in words ("free")


class SpanishTexts(_Model):
    """The clinic's texts in Spanish (`es:` in the file): one entry per entry of `hours` and of
    `prices`, in the same order; times, amounts and contact details are not repeated."""

    hours: Annotated[tuple[_SpanishHours, ...], Field(min_length=1)]
    prices: Annotated[tuple[_SpanishPrice, ...], Field(min_length=1)]
    appointment_length: Text


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
    es: SpanishTexts
    retention: Retention = Retention()
    _language: str = PrivateAttr("en")
    _english: Clinic | None = PrivateAttr(None)  # where a Spanish copy came from

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

    @model_validator(mode="after")
    def _spanish_for_every_entry(self) -> Clinic:
        problems = [
            f"'es.{field}' has {_entries(len(getattr(self.es, field)))} but '{field}' has "
            f"{_entries(len(getattr(self, field)))}: one Spanish entry for each, in the same order"
            for field in ("hours", "prices")
            if len(getattr(self.es, field)) != len(getattr(self, field))
        ]
        problems += [
            f"'es.prices[{index}].price' is missing: 'prices[{index}].price' ({price.price!r}) is in words, "
            "so it needs its Spanish"
            for index, (price, spanish) in enumerate(zip(self.prices, self.es.prices))
            if spanish.price is None and _HAS_WORDS.search(price.price)
        ]
        if problems:
            raise PydanticCustomError("clinic_spanish", "{problems}", {"problems": "; ".join(problems)})
        return self

    @property
    def language(self) -> str:
        """The language of this clinic's texts: "en", or "es" for `in_language("es")`."""
        return self._language

    def in_language(self, language: str) -> Clinic:
        """The clinic as a patient reads it in `language`, "en" or "es" (ValueError otherwise): for
        "es" the texts of `es:` in place of the English ones, and `hours_text`/`contact_text` worded
        in Spanish; itself when it is already in that language. Contact details, times, amounts and
        settings are the same in both."""
        if checked_language(language) == self._language:
            return self
        if self._english is not None:
            return self._english
        spanish = self.model_copy(
            update={
                "hours": tuple(h.model_copy(update={"days": es.days}) for h, es in zip(self.hours, self.es.hours)),
                "prices": tuple(
                    p.model_copy(update={"item": es.item, "price": es.price or p.price})
                    for p, es in zip(self.prices, self.es.prices)
                ),
                "appointment_length": self.es.appointment_length,
            }
        )
        spanish._language, spanish._english = "es", self
        return spanish

    def hours_text(self) -> str:
        return "\n".join(f"- {h.describe(self._language)}" for h in self.hours)

    def prices_text(self) -> str:
        return "\n".join(f"- {p.item}: {p.price}" for p in self.prices)

    def contact_text(self) -> str:
        return _WORDING[self._language]["contact"].format(phone=self.phone, email=self.email, address=self.address)


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
