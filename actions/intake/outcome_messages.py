"""What the patient is told once their request is stored, worded by outcome (domain.yml), with the
clinic's own notes for the answers that led to it (clinic/screening.yml).

Never a diagnosis, never "stop your medicine", and never "you're fine" to someone screened out:
the wording says what happens next and who decides."""

from __future__ import annotations

from collections.abc import Sequence

from bot.consultation import Outcome
from bot.screening.answers import RuleAnswer
from bot.screening.rules import ScreeningRules


def outcome_response(outcome: Outcome) -> str:
    """The response telling the patient what happens next (domain.yml; worded by outcome and by the
    `preferred_contact` slot)."""
    return f"utter_request_stored_{outcome.value}"


def notes_text(notes: Sequence[str]) -> str:
    """The `{notes}` variable of that response: one line per note, or nothing."""
    return "".join(f"\n- {note}" for note in notes)


def note_for(answer: RuleAnswer, rules: ScreeningRules) -> str | None:
    """What the patient is told about one flagged answer: the clinic's own words for the rule
    (`answer_note`, or the follow-up's `ongoing_note`), or that a practitioner checks an unsure one."""
    rule = rules.get(answer.rule_id)
    if rule is None:
        return None
    if answer.unsure:
        return rules.unsure_note
    ongoing = (
        rule.follow_up is not None and answer.follow_up is not None and answer.level is rule.follow_up.level_ongoing
    )
    if ongoing and rule.follow_up.ongoing_note:
        return rule.follow_up.ongoing_note
    return rule.answer_note


def notes_for(answers: Sequence[RuleAnswer], rules: ScreeningRules) -> list[str]:
    """The notes for what flagged, most severe first, each once."""
    notes: list[str] = []
    for answer in sorted((a for a in answers if a.flagged), key=lambda a: a.level, reverse=True):
        note = note_for(answer, rules)
        rule = rules.get(answer.rule_id)
        if note and rule:
            note = f"{rule.short}: {note}"  # which answer led to it, in plain words
        if note and note not in notes:
            notes.append(note)
    return notes
