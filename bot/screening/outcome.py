"""A request's outcome: the most severe level among its answers decides it."""
from __future__ import annotations

import enum
from collections.abc import Iterable

from bot.screening.rules import Level


class Outcome(str, enum.Enum):
    ELIGIBLE = "eligible"
    NEEDS_REVIEW = "needs_review"
    DEFERRED = "deferred"
    NOT_ELIGIBLE = "not_eligible"


_OUTCOME_OF_LEVEL = {
    Level.INFO: Outcome.ELIGIBLE,
    Level.REVIEW: Outcome.NEEDS_REVIEW,
    Level.DEFER: Outcome.DEFERRED,
    Level.EXCLUDE: Outcome.NOT_ELIGIBLE,
}


def outcome_for(levels: Iterable[Level | None]) -> Outcome:
    """`eligible` with no flags or info only; otherwise the outcome of the most severe level.

    None entries (answers that raised nothing) are ignored so callers can pass every answer's level.
    """
    raised = [level for level in levels if level is not None]
    return _OUTCOME_OF_LEVEL[max(raised)] if raised else Outcome.ELIGIBLE
