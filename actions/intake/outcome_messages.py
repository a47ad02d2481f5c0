"""What the patient is told once their request is stored, worded by outcome.

Never a diagnosis, never "stop your medicine", and never "you're fine" to someone screened out:
the wording says what happens next and who decides."""
from __future__ import annotations

from collections.abc import Sequence

from bot.screening.outcome import Outcome
from bot.screening.replies import RuleAnswer
from bot.screening.rules import ScreeningRules

CONTACT_PHRASES = {"phone": "by phone", "sms": "by text message", "whatsapp": "on WhatsApp",
                   "telegram": "on Telegram", "email": "by email"}


def outcome_message(outcome: Outcome, reference: str, contact: str, clinic_name: str) -> str:
    how = CONTACT_PHRASES.get(contact, "")
    opening = f"Thank you! Your request has been sent to {clinic_name}. Your reference is {reference}."
    if outcome is Outcome.ELIGIBLE:
        body = (f"The team will contact you {how} to arrange your consultation, where a practitioner "
                "will look at your skin and go through your answers with you.")
    elif outcome is Outcome.NEEDS_REVIEW:
        body = (f"A practitioner will look at some of your answers before anything is booked, and the team "
                f"will contact you {how}.")
    elif outcome is Outcome.DEFERRED:
        body = (f"From your answers, treatment will need to wait for now. The team will contact you {how} "
                "to talk about when it could go ahead.")
    else:
        body = (f"From your answers, microneedling may not be suitable for you. A member of the team will "
                f"contact you {how} to talk through other options.")
    return f"{opening}\n{body}"


UNSURE_NOTE = "You weren't sure about this, so a practitioner will go through it with you before anything is booked."


def note_for(answer: RuleAnswer, rules: ScreeningRules) -> str | None:
    """What the patient is told about one flagged answer: the clinic's own words for the rule
    (`answer_note`, or the follow-up's `ongoing_note`), or that a practitioner checks an unsure one."""
    rule = rules.get(answer.rule_id)
    if rule is None:
        return None
    if answer.unsure:
        return UNSURE_NOTE
    ongoing = rule.follow_up is not None and answer.follow_up is not None and answer.level is rule.follow_up.level_ongoing
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
