"""A follow-up answer (kind `months_since`: when did it stop?) and the level it decides."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from bot.intake.text import normalise_free_text, without_accents
from bot.screening.answers import ANSWER_MAX_LEN, RuleAnswer, YesNo, read_yes_no
from bot.screening.durations import parse_months_since
from bot.screening.rules import Level, Rule

_NEVER = re.compile(r"\W*(?:never|nunca|jamas)\b")


def answer_follow_up(rule: Rule, answer: RuleAnswer, text: object, today: date) -> RuleAnswer | None:
    """The answer completed with its follow-up and the level it decides, or None to ask again."""
    follow_up = rule.follow_up
    if follow_up is None:
        raise ValueError(f"rule {rule.id!r} has no follow-up question")
    cleaned = normalise_free_text(text, ANSWER_MAX_LEN)
    parsed = parse_months_since(cleaned, today) if cleaned else None
    if parsed is None:
        # "I can't remember when"; or "never" / "nunca" after a yes, which a practitioner sorts out.
        if cleaned and (read_yes_no(cleaned) is YesNo.UNSURE or _NEVER.match(without_accents(cleaned.lower()))):
            level = max(follow_up.level_within or Level.REVIEW, Level.REVIEW)
            return replace(answer, follow_up=cleaned, level=level, affirmed=True, awaiting_follow_up=False, unsure=True)
        return None
    if parsed.ongoing:
        level = follow_up.level_ongoing
    elif parsed.months is not None and parsed.months < follow_up.threshold_months:
        level = follow_up.level_within
    else:
        level = follow_up.level_after
    return replace(answer, follow_up=cleaned, level=level, affirmed=True, awaiting_follow_up=False)
