"""The one error a field parser raises: a machine-readable reason and a kind sentence for the patient."""
from __future__ import annotations


class InvalidField(ValueError):
    def __init__(self, field: str, reason: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.reason = reason
        self.message = message
