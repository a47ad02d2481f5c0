"""Phone numbers (E.164 via phonenumbers), email addresses and the preferred way to be contacted."""

from __future__ import annotations

import re

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from bot.intake.text import normalise_free_text, without_accents

_MAX_CONTACT_INPUT = 200


def parse_phone(text: object, region: str) -> str | None:
    """A valid number in E.164 ("+447911123456"), read in the clinic's region unless it has a
    country code; also finds the number inside "my number is ...". None when there is no valid one."""
    cleaned = normalise_free_text(text, _MAX_CONTACT_INPUT)
    if not cleaned:
        return None
    region = (region or "").upper() or None
    candidates = []
    try:
        candidates.append(phonenumbers.parse(cleaned, region))
    except phonenumbers.NumberParseException:
        pass
    candidates.extend(match.number for match in phonenumbers.PhoneNumberMatcher(cleaned, region or "ZZ"))
    for number in candidates:
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None


# Ways of being contacted that need a mobile: a landline cannot get texts or WhatsApp.
NEEDS_MOBILE = ("sms", "whatsapp")


def is_landline(e164: str) -> bool:
    """True only when phonenumbers is sure the number is a fixed line (not "fixed line or mobile")."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.FIXED_LINE


_EMAIL_CANDIDATE = re.compile(r"[^\s<>()\[\],;:\"]+@[^\s<>()\[\],;:\"]+")


def parse_email(text: object) -> str | None:
    """The address, normalised (domain lower-cased), without a deliverability (DNS) check; also finds
    it inside "my email is ...". None when there is no valid address."""
    cleaned = normalise_free_text(text, _MAX_CONTACT_INPUT)
    match = _EMAIL_CANDIDATE.search(cleaned)
    if not match:
        return None
    try:
        return validate_email(match.group(0).rstrip("."), check_deliverability=False).normalized
    except EmailNotValidError:
        return None


CONTACT_METHODS = ("phone", "email", "whatsapp", "telegram", "sms")
# English and Spanish alike, read without accents ("por correo", "llámame", "por wasap").
_SPECIFIC = {
    "whatsapp": re.compile(r"\b(whats ?app|wa|whatsap|wasap|wassap|guasap|wsp|wpp)\b"),
    "telegram": re.compile(r"\b(telegram|tg)\b"),
    "email": re.compile(r"\b(e-?mail|mail|inbox|correo|correo electronico)\b"),
}
_GENERAL = {
    "sms": re.compile(r"\b(sms|texts?|texting|text message|message me|mensajes?(?: de texto)?)\b"),
    "phone": re.compile(
        r"\b(phone|call|calls|ring|telephone|mobile|cell|voice|telefono|llamada|llamadas|llamar|llamarme|"
        r"llam[ae]me|llamenme|movil|celular)\b"
    ),
}


def parse_contact_method(text: object) -> str | None:
    """One of phone / email / whatsapp / telegram / sms from free text or a button payload
    ("/inform{...}" payloads and "contact_email"-style values included). A named app wins over a
    generic word ("text me on WhatsApp" is whatsapp); otherwise the first method mentioned."""
    cleaned = without_accents(normalise_free_text(text, _MAX_CONTACT_INPUT).lower().replace("_", " "))
    if not cleaned:
        return None
    for method in CONTACT_METHODS:
        if cleaned == method:
            return method
    specific = [(m.start(), method) for method, rx in _SPECIFIC.items() if (m := rx.search(cleaned))]
    if specific:
        return min(specific)[1]
    general = [(m.start(), method) for method, rx in _GENERAL.items() if (m := rx.search(cleaned))]
    return min(general)[1] if general else None
