"""The intake form's validation, run as the action server runs it: a tracker in, slot values and
the patient-facing messages out."""

from __future__ import annotations

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.config import screening_rules
from actions.intake.form import ValidateIntakeForm
from actions.intake.outcome_messages import notes_for, notes_text, outcome_response
from actions.intake.review import field_to_change
from actions.intake.slots import SCREENING_DONE, SKIPPED
from bot.consultation import Outcome
from bot.screening.answers import RuleAnswer
from bot.screening.rules import Level
from tests.support.responses import rendered, texts

FORM = ValidateIntakeForm()
RULES = screening_rules()


def tracker(
    slots: dict | None = None,
    text: str = "",
    intent: str = "inform",
    confidence: float = 0.9,
    response_selector: dict | None = None,
) -> Tracker:
    message = {"text": text, "intent": {"name": intent, "confidence": confidence}}
    if response_selector:
        message["response_selector"] = response_selector
    return Tracker("test", slots or {}, message, [], False, None, {"name": "intake_form"}, "action_listen")


def validate(slot: str, value: str, slots: dict | None = None, **message) -> tuple[dict, list[str]]:
    """The slots set and what the patient reads (responses rendered as Rasa renders them)."""
    dispatcher = CollectingDispatcher()
    result = getattr(FORM, f"validate_{slot}")(value, dispatcher, tracker(slots, value, **message), {})
    return result, texts(dispatcher.messages, slots)


def test_consent_yes_records_when_and_starts_the_intake():
    result, said = validate("intake_consent", "yes I agree")
    assert result["intake_consent"] == "yes" and result["consent_at"] and result["intake_started_at"]
    assert said == []


def test_consent_refused_ends_the_form_without_asking_more():
    result, _ = validate("intake_consent", "no")
    assert result == {"intake_consent": "no", "intake_stop_reason": "consent_refused"}


def test_unclear_consent_is_asked_again_kindly():
    result, said = validate("intake_consent", "hmm maybe")
    assert result["intake_consent"] is None and said == ["Please answer yes or no."]


def test_a_faq_instead_of_an_answer_is_answered_with_the_topics_response():
    selector = {
        "faq": {
            "response": {
                "confidence": 0.95,
                "intent_response_key": "faq/pain",
                "responses": [{"text": "Numbing cream is used."}],
            }
        }
    }
    dispatcher = CollectingDispatcher()
    result = FORM.validate_intake_consent(
        "does it hurt", dispatcher, tracker(None, "does it hurt", intent="faq", response_selector=selector), {}
    )
    assert result["intake_consent"] is None
    assert [m["response"] for m in dispatcher.messages] == ["utter_faq/pain"]


def test_two_questions_instead_of_an_answer_get_both_answers():
    dispatcher = CollectingDispatcher()
    message = tracker(None, "does it hurt and how much is it", intent="two_questions")
    message.latest_message["questions"] = ["faq/pain", "ask_price"]
    result = FORM.validate_phone("does it hurt and how much is it", dispatcher, message, {})
    assert result["phone"] is None
    said = texts(dispatcher.messages)
    assert "numbing cream" in said[0] and "£250" in said[1]


def test_a_clinic_question_instead_of_an_answer_is_answered_from_the_clinic_file():
    result, said = validate("phone", "how much is it", intent="ask_price")
    assert result["phone"] is None and "£250" in said[0]


def test_third_bad_answer_offers_a_way_out():
    _, said = validate("phone", "abc", slots={"invalid_attempts": 2})
    assert "stop" in said[-1] and "call us" in said[-1]


def test_under_18_stops_and_forgets_the_name():
    result, _ = validate("birth", "I'm 16", slots={"full_name": "Sam"})
    assert result == {"birth": None, "full_name": None, "intake_stop_reason": "minor"}


def test_birth_date_is_kept_as_date_and_age():
    result, _ = validate("birth", "14/03/1985")
    assert result["date_of_birth"] == "1985-03-14" and result["birth"] == "14/03/1985" and result["age"] >= 40


def test_phone_is_normalised_to_e164_with_the_clinic_region():
    result, _ = validate("phone", "07911 123456")
    assert result["phone"] == "+447911123456"


def test_phone_and_email_cannot_both_be_skipped():
    result, said = validate("email", "skip", slots={"phone": SKIPPED})
    assert result["email"] is None and "at least one way" in said[0]


def test_texts_or_whatsapp_to_a_landline_are_refused_kindly():
    result, said = validate("preferred_contact", "WhatsApp", slots={"phone": "+442079460321", "email": SKIPPED})
    assert result["preferred_contact"] is None and "landline" in said[0]
    result, _ = validate("preferred_contact", "Phone call", slots={"phone": "+442079460321", "email": SKIPPED})
    assert result["preferred_contact"] == "phone"


def test_contact_method_needs_the_matching_detail():
    result, said = validate("preferred_contact", "WhatsApp", slots={"phone": SKIPPED, "email": "a@b.example"})
    assert result["preferred_contact"] is None and "email" in said[0]


def _screening_step(slots: dict, reply: str) -> tuple[dict, list[str]]:
    result, said = validate("screening_reply", reply, slots=slots)
    slots.update({k: v for k, v in result.items() if k != "screening_reply"})
    return result, said


def test_none_of_these_answers_a_whole_group_and_the_screening_takes_one_turn_per_group():
    slots: dict = {"screening_index": 0, "screening_answers": []}
    for _ in RULES.groups:
        result, _ = _screening_step(slots, "None of these")
    assert result["screening_reply"] == SCREENING_DONE
    assert len(slots["screening_answers"]) == len(RULES)
    assert not any(answer["affirmed"] or answer["level"] for answer in slots["screening_answers"])


def test_a_ticked_item_with_a_follow_up_asks_it_and_its_answer_decides_the_level():
    index, group = next((i, g) for i, g in enumerate(RULES.groups) if any(rule.follow_up for rule in g.rules))
    number, rule = next((n, r) for n, r in enumerate(group.rules, 1) if r.follow_up)
    slots = {"screening_index": index, "screening_answers": []}
    result, _ = _screening_step(slots, str(number))
    assert result["screening_reply"] is None and result["screening_index"] == index, "the follow-up comes first"
    result, _ = _screening_step(slots, "I still take it")
    assert result["screening_index"] == index + 1
    answer = next(a for a in result["screening_answers"] if a["rule_id"] == rule.id)
    assert answer["level"] == rule.follow_up.level_ongoing.value and answer["follow_up"] == "I still take it"


def test_not_sure_about_a_group_asks_its_items_one_at_a_time():
    slots: dict = {"screening_index": 0, "screening_answers": []}
    result, said = _screening_step(slots, "not sure")
    assert result["screening_one_at_a_time"] is True and said == ["No problem, let's take them one at a time."]
    group = RULES.groups[0]
    for rule in group.rules:
        result, _ = _screening_step(slots, "no" if rule.id != "pregnancy" else "I don't know")
    assert result["screening_index"] == 1 and result["screening_one_at_a_time"] is False
    pregnancy = next(a for a in result["screening_answers"] if a["rule_id"] == "pregnancy")
    assert pregnancy["unsure"] and pregnancy["level"] == "review"


def test_an_unreadable_group_reply_is_asked_again_with_a_hint():
    result, said = validate("screening_reply", "number 9", slots={"screening_index": 0, "screening_answers": []})
    assert result["screening_reply"] is None and "numbers from the list" in said[0]


def test_review_confirm_and_corrections():
    assert validate("review_confirm", "confirm")[0]["review_confirm"] == "confirmed"
    result, _ = validate("review_confirm", "change my phone number")
    assert result == {"phone": None, "review_confirm": None}
    result, _ = validate("review_confirm", "redo the health questions")
    assert result["screening_index"] == 0 and result["screening_answers"] == []


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("change my email", "email"),
        ("my date of birth is wrong", "birth"),
        ("fix the name", "full_name"),
        ("I want to change the times", "preferred_time"),
        ("looks good", None),
    ],
)
def test_field_to_change(text, field):
    assert field_to_change(text) == field


@pytest.mark.parametrize("outcome", list(Outcome))
def test_outcome_messages_never_diagnose_or_reassure_wrongly(outcome):
    sent = {"response": outcome_response(outcome), "reference": "MN-ABC123", "notes": notes_text([])}
    message = rendered(sent, {"preferred_contact": "phone", "clinic_name": "Clinic"}).lower()
    assert "mn-abc123" in message and "by phone" in message
    for forbidden in ("stop taking", "you're fine", "you are fine", "diagnos", "you have "):
        assert forbidden not in message


def test_notes_keep_medicines_and_say_how_long_to_wait():
    answers = [
        RuleAnswer("blood_thinners", "aspirin", True, Level.REVIEW),
        RuleAnswer("pregnancy", "yes", True, Level.DEFER),
    ]
    notes = notes_for(answers, RULES)
    assert len(notes) == 2
    assert "pregnan" in notes[0].lower() or "breastfeed" in notes[0].lower(), "most severe first"
    assert any("keep taking" in note.lower() for note in notes)


def test_notes_say_each_thing_once_and_an_unsure_answer_goes_to_a_practitioner():
    answers = [
        RuleAnswer("recent_sun", "got a bit burnt in Spain", True, Level.DEFER),
        RuleAnswer("pregnancy", "maybe, my period is late", False, Level.REVIEW, unsure=True),
        RuleAnswer("isotretinoin", "yes", True, Level.DEFER, follow_up="I still take it"),
    ]
    notes = notes_for(answers, RULES)
    assert notes[0] == f"{RULES['recent_sun'].short}: {RULES['recent_sun'].answer_note}", "the clinic's words"
    assert notes[1].endswith(RULES["isotretinoin"].follow_up.ongoing_note)
    assert notes[2].startswith("Pregnant or breastfeeding:") and "weren't sure" in notes[2]
    assert all(notes.count(note) == 1 for note in notes)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("change my phone to 07912 345678", "07912 345678"),
        ("change my phone number to my mobile 07912 345678", "my mobile 07912 345678"),
        ("my email should be ana@example.org", "ana@example.org"),
        ("name: Ana Lopez", "Ana Lopez"),
        ("change my phone number", None),
        ("my phone is wrong", None),
    ],
)
def test_a_correction_can_carry_its_new_value(text, value):
    from actions.intake.review import new_value_in

    assert new_value_in(text) == value


def test_a_correction_with_a_valid_value_is_applied_in_one_message():
    result, said = validate(
        "review_confirm", "change my phone to my mobile 07912 345678", slots={"phone": "+447911123456"}
    )
    assert result["phone"] == "+447912345678" and result["review_confirm"] is None
    assert said == []
    result, said = validate("review_confirm", "change my phone to 12", slots={"phone": "+447911123456"})
    assert result["phone"] is None, "an unusable value: the question is asked again, with a hint"
    assert said and "phone number" in said[0]


def test_the_summary_lists_each_yes_and_not_sure_in_the_patients_words():
    from actions.intake.review import health_answer_lines

    answers = [
        RuleAnswer("pregnancy", "maybe, my period is late", False, Level.REVIEW, unsure=True),
        RuleAnswer("cold_sore_history", "yes, now and then", True, Level.INFO),
        RuleAnswer("blood_thinners", "no", False, None),
        RuleAnswer("isotretinoin", "yes", True, None, follow_up="2 years ago"),
    ]
    from bot.responses import response_text
    from tests.support.responses import domain

    def say(response, **values):
        return response_text(domain(), {}, response, **values)

    assert health_answer_lines(answers, say) == [
        '  - Pregnant or breastfeeding: not sure "maybe, my period is late"',
        '  - Cold sores in the past: "yes, now and then"',
        '  - Isotretinoin (Roaccutane, Accutane): "yes", last dose "2 years ago"',
        "  - No to the other question",
    ]
    assert health_answer_lines(answers[2:3], say) == ["  - No to the question"]
    assert health_answer_lines([answers[2], answers[2]], say) == ["  - No to all 2 questions"]
