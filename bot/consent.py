"""Which consent text a patient agreed to (GDPR Art. 7: consent must be demonstrable).

The text is the bot's consent question exactly as the patient saw it (rendered with the clinic's
name); its version id is a hash of that text, so any change to the wording is a new version and
the same wording always gets the same id, in every process, without a registry to keep in step.
"""

from __future__ import annotations

import hashlib

VERSION_PREFIX = "c-"
VERSION_HEX_DIGITS = 12  # 48 bits: no collision among the handful of texts a clinic ever shows


def consent_version(text: str) -> str:
    return VERSION_PREFIX + hashlib.sha256(text.encode("utf-8")).hexdigest()[:VERSION_HEX_DIGITS]


def check_consent_text(version: str | None, text: str | None) -> None:
    """A request names no consent text (stored before versions existed) or the exact one hashed."""
    if (version is None) != (text is None) or (text is not None and consent_version(text) != version):
        raise ValueError("consent_version must be the version of consent_text")
