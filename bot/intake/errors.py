"""The one error a field parser raises: a machine-readable reason, and the domain response (with
its variables) that tells the patient kindly what to change. The wording lives in domain.yml."""

from __future__ import annotations

from typing import Any


class InvalidField(ValueError):
    def __init__(self, field: str, reason: str, response: str, **values: Any) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
        self.response = response
        self.values = values
