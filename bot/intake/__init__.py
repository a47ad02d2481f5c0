"""Validation of the intake's free-text fields; each parser returns a clean value or says why not.

`parse_name` and `parse_birth` raise `InvalidField` (its `reason` picks the kind re-ask, its
`message` is patient-facing); `parse_phone`, `parse_email` and `parse_contact_method` return None
when the reply cannot be used.
"""

from bot.intake.birth import Birth, parse_birth
from bot.intake.contact import parse_contact_method, parse_email, parse_phone
from bot.intake.errors import InvalidField
from bot.intake.name import parse_name
from bot.intake.text import normalise_free_text

__all__ = [
    "Birth",
    "InvalidField",
    "normalise_free_text",
    "parse_birth",
    "parse_contact_method",
    "parse_email",
    "parse_name",
    "parse_phone",
]
