"""Whole intakes through Rasa's REST channel, the real action server and a real database, checked
in what `make export` prints."""

from __future__ import annotations

import json
import re

import pytest

from bot.clinic import load_clinic
from bot.settings import get_settings
from tests.support.conversation import RULES, Patient, run_intake, spanish_patient

CLINIC = load_clinic(get_settings().clinic_config)


def exported(stack) -> list[dict]:
    return json.loads(stack.export())


def reference_in(transcript: list[str]) -> str:
    """The reference the farewell gives, in English or in Spanish."""
    found = (re.search(r"(?:Your reference is|Su referencia es) ([A-Z0-9-]+)", text) for text in reversed(transcript))
    return next(match for match in found if match).group(1)


def stored_request(stack, transcript: list[str]) -> dict:
    reference = reference_in(transcript)
    matches = [r for r in exported(stack) if r["reference"] == reference]
    assert len(matches) == 1, f"request {reference} is not in the export exactly once"
    return matches[0]


def test_happy_path_is_stored_as_eligible_and_exported(rasa_stack, sender_id):
    transcript = run_intake(lambda text: rasa_stack.send(sender_id, text), Patient())
    stored = stored_request(rasa_stack, transcript)
    assert stored["channel"] == "rest"
    assert stored["name"] == "Jane Smith"
    assert stored["date_of_birth"] == "1985-03-14"
    assert stored["phone"] == "+447911123456"
    assert stored["email"] == "jane.smith@example.com"
    assert stored["preferred_contact"] == "phone"
    assert stored["concerns"] == "acne scars on my cheeks"
    assert stored["preferred_time"] == "weekday evenings"
    assert stored["status"] == "new" and stored["consent_at"]
    assert stored["screening"] == {"outcome": "eligible", "flags": []}
    assert "contact you by phone" in transcript[-1]


@pytest.mark.parametrize(
    ("screening", "follow_ups", "notes", "outcome", "flagged_rules"),
    [
        ({"pregnancy": "yes, I'm 5 months pregnant"}, {}, "no", "deferred", {"pregnancy"}),
        ({"blood_thinners": "only aspirin"}, {}, "no", "needs_review", {"blood_thinners"}),
        ({"metal_allergy": "yes, nickel"}, {}, "no", "not_eligible", {"metal_allergy"}),
        ({"cold_sore_history": "yes I get them sometimes"}, {}, "no", "eligible", {"cold_sore_history"}),
        ({"isotretinoin": "yes"}, {"isotretinoin": "I stopped 3 months ago"}, "no", "needs_review", {"isotretinoin"}),
        ({"isotretinoin": "yes"}, {"isotretinoin": "I still take it"}, "no", "deferred", {"isotretinoin"}),
        ({}, {}, "no blood thinners, but I take Eliquis", "needs_review", {"blood_thinners"}),
        ({}, {}, "I've never had cold sores", "eligible", set()),
        (
            {"pregnancy": "yes", "bleeding_disorder": "yes, haemophilia"},
            {},
            "no",
            "not_eligible",
            {"pregnancy", "bleeding_disorder"},
        ),
        ({"pregnancy": "maybe, my period is late"}, {}, "no", "needs_review", {"pregnancy"}),
        ({"cold_sore_history": "yes, I get one maybe once a year"}, {}, "no", "eligible", {"cold_sore_history"}),
        ({"isotretinoin": "yes"}, {"isotretinoin": "I can't remember when"}, "no", "needs_review", {"isotretinoin"}),
        # A group's list answered in the patient's own words
        ({"right_now": "I was in Spain 10 days ago and got a little bit burnt"}, {}, "no", "deferred", {"recent_sun"}),
        ({"treatments_and_medicines": "no, but I take warfrin"}, {}, "no", "needs_review", {"blood_thinners"}),
        (
            {"treatments_and_medicines": "I took roaccutane"},
            {"isotretinoin": "I stopped 3 months ago"},
            "no",
            "needs_review",
            {"isotretinoin"},
        ),
        ({"conditions": "not sure about 6"}, {}, "no", "needs_review", {"cold_sore_history"}),
        ({"allergies": "1"}, {}, "no", "not_eligible", {"metal_allergy"}),
    ],
)
def test_each_outcome_reaches_storage_with_its_flags(
    rasa_stack, sender_id, screening, follow_ups, notes, outcome, flagged_rules
):
    group_ids = {group.id for group in RULES.groups}
    groups = {key: text for key, text in screening.items() if key in group_ids}
    screening = {key: text for key, text in screening.items() if key not in group_ids}
    patient = Patient(screening=screening, follow_ups=follow_ups, health_notes=notes, group_replies=groups)
    transcript = run_intake(lambda text: rasa_stack.send(sender_id, text), patient)
    stored = stored_request(rasa_stack, transcript)
    assert stored["screening"]["outcome"] == outcome
    assert {flag["rule"] for flag in stored["screening"]["flags"]} == flagged_rules
    final = transcript[-1]
    assert "stop taking" not in final.lower() and "you're fine" not in final.lower()
    if outcome == "not_eligible":
        assert "may not be suitable" in final
    if outcome == "deferred":
        assert "need to wait" in final


def test_young_adult_gets_an_info_flag(rasa_stack, sender_id):
    transcript = run_intake(lambda text: rasa_stack.send(sender_id, text), Patient(birth="I'm 20"))
    stored = stored_request(rasa_stack, transcript)
    assert stored["age"] == 20
    assert stored["screening"]["outcome"] == "eligible"
    assert [flag["rule"] for flag in stored["screening"]["flags"]] == ["age_18_to_21"]


def test_consent_refused_asks_nothing_and_stores_nothing(rasa_stack, sender_id):
    before = len(exported(rasa_stack))
    transcript = run_intake(lambda text: rasa_stack.send(sender_id, text), Patient(consent="no thanks"))
    assert "nothing has been stored" in transcript[-1] and CLINIC.phone in transcript[-1]
    assert not any("part 1 of" in text or "full name" in text for text in transcript)
    assert len(exported(rasa_stack)) == before


def test_under_18_is_stopped_and_nothing_is_stored(rasa_stack, sender_id):
    before = len(exported(rasa_stack))
    transcript = run_intake(lambda text: rasa_stack.send(sender_id, text), Patient(birth="I'm 16"))
    assert "parent or guardian" in transcript[-1]
    assert len(exported(rasa_stack)) == before


def test_bad_answers_get_a_kind_reask_and_nothing_is_lost(rasa_stack, sender_id):
    send = lambda text: rasa_stack.texts(sender_id, text)  # noqa: E731
    send("I'd like to book a consultation")
    send("yes")
    assert any("name" in t for t in send("<script>alert(1)</script>"))
    send("Zoë O'Brien-Nguyen")
    assert any("date of birth" in t.lower() for t in send("31/02/1990"))
    send("1 April 1980")
    phone_reply = send("12345")
    assert any("doesn't look like a phone number" in t for t in phone_reply)
    send("+44 7911 123457")
    email_reply = send("not-an-email")
    assert any("email address" in t for t in email_reply)
    send("zoe@example.com")
    send("Email")
    send("🙂" * 400)  # concerns: emoji only has no letters
    transcript = run_intake(
        lambda text: rasa_stack.send(sender_id, text), Patient(), opening="fine lines on my forehead"
    )
    stored = stored_request(rasa_stack, transcript)
    assert stored["name"] == "Zoë O'Brien-Nguyen"
    assert stored["date_of_birth"] == "1980-04-01"
    assert stored["phone"] == "+447911123457" and stored["preferred_contact"] == "email"
    assert stored["concerns"] == "fine lines on my forehead"
    assert "Your reference is" in transcript[-1]


def test_a_correction_at_review_changes_only_that_field(rasa_stack, sender_id):
    send = lambda text: rasa_stack.send(sender_id, text)  # noqa: E731
    patient = Patient(review=["change my phone number", "confirm"])
    answers = iter(["07911 123999"])

    def send_with_new_phone(text: str) -> list[dict]:
        messages = send(text)
        if any("phone number can the clinic" in m.get("text", "") for m in messages) and text.startswith("change"):
            return send(next(answers))
        return messages

    stored = stored_request(rasa_stack, run_intake(send_with_new_phone, patient))
    assert stored["phone"] == "+447911123999"
    assert stored["name"] == "Jane Smith" and stored["email"] == "jane.smith@example.com"


def test_a_faq_mid_intake_is_answered_and_the_question_is_asked_again(rasa_stack, sender_id):
    before = len(exported(rasa_stack))
    rasa_stack.send(sender_id, "I'd like to book a consultation")
    rasa_stack.send(sender_id, "yes")
    texts = rasa_stack.texts(sender_id, "wait, does it hurt?")
    joined = " ".join(texts).lower()
    assert "numbing" in joined
    assert "full name" in texts[-1]
    assert len(exported(rasa_stack)) == before


def test_an_emergency_mid_intake_is_answered_first_and_stops_the_form_until_the_patient_carries_on(
    rasa_stack, sender_id
):
    rasa_stack.send(sender_id, "I'd like to book a consultation")
    rasa_stack.send(sender_id, "yes")
    rasa_stack.send(sender_id, "Jane Smith")
    texts = rasa_stack.texts(sender_id, "my lips are swelling and I can't breathe")
    assert texts[0].startswith(f"EMERGENCY: call {CLINIC.emergency_number} now.")
    assert not any("?" in text for text in texts), "no next question in the same turn"
    assert "paused your request" in texts[-1]
    # Later, the patient carries on where they were: the name is not asked again.
    assert "date of birth" in rasa_stack.texts(sender_id, "/request_consultation")[-1]


def test_a_worrying_sign_mid_intake_is_answered_first_then_the_intake_resumes(rasa_stack, sender_id):
    rasa_stack.send(sender_id, "I'd like to book a consultation")
    rasa_stack.send(sender_id, "yes")
    texts = rasa_stack.texts(sender_id, "there's pus and my skin is hot where I was treated")
    assert CLINIC.phone in texts[0] and "today" in texts[0]
    assert "full name" in texts[-1]


def test_stop_cancels_and_stores_nothing(rasa_stack, sender_id):
    before = len(exported(rasa_stack))
    rasa_stack.send(sender_id, "I'd like to book a consultation")
    rasa_stack.send(sender_id, "yes")
    rasa_stack.send(sender_id, "Jane Smith")
    texts = rasa_stack.texts(sender_id, "cancel")
    assert "Nothing has been stored" in texts[0]
    assert len(exported(rasa_stack)) == before
    assert "Goodbye" not in " ".join(rasa_stack.texts(sender_id, "what are your opening hours"))


def test_start_over_goes_back_to_consent(rasa_stack, sender_id):
    rasa_stack.send(sender_id, "I'd like to book a consultation")
    rasa_stack.send(sender_id, "yes")
    texts = rasa_stack.texts(sender_id, "start over")
    assert "Do you agree" in texts[-1]


def test_a_confirm_sent_twice_stores_one_request(rasa_stack, sender_id):
    before = len(exported(rasa_stack))
    run_intake(lambda text: rasa_stack.send(sender_id, text), Patient())
    rasa_stack.send(sender_id, "confirm")
    assert len(exported(rasa_stack)) == before + 1


def test_same_flow_on_postgresql_and_database_down_keeps_the_answers(postgres_stack, sender_id):
    send = lambda text: postgres_stack.send(sender_id, text)  # noqa: E731
    proxy = postgres_stack.database_proxy
    patient = Patient(review=["confirm", "confirm"])

    def send_with_outage(text: str) -> list[dict]:
        if text == "confirm" and len(patient.review) == 1:  # the first confirm: the database is down
            proxy.cut()
            try:
                messages = send(text)
            finally:
                proxy.restore()
            said = " ".join(m.get("text", "") for m in messages)
            assert "couldn't save your request" in said
            assert "Here is what I'll send" in said, "the summary is shown again, nothing retyped"
            return messages
        return send(text)

    stored = stored_request(postgres_stack, run_intake(send_with_outage, patient))
    assert stored["phone"] == "+447911123456"


def test_questions_about_a_screening_question_get_an_answer_and_the_question_again(rasa_stack, sender_id):
    patient = Patient()
    seen: dict[str, list[str]] = {}

    def send(text: str) -> list[dict]:
        messages = rasa_stack.send(sender_id, text)
        texts = [m["text"] for m in messages if m.get("text")]
        if texts and "part 2 of" in texts[-1] and not seen:
            for asked in ("what does that mean?", "why do you ask?", "how many more questions are there?"):
                seen[asked] = rasa_stack.texts(sender_id, asked)
        return messages

    run_intake(send, patient)
    meaning, why, progress = seen.values()
    assert "not sure" in meaning[0] and "part 2 of" in meaning[-1]
    assert why[0].startswith("Here's why I ask:") and "part 2 of" in why[-1]
    assert "This is part 2 of 4" in progress[0] and "part 2 of" in progress[-1]


def test_the_review_shows_the_answers_and_a_correction_with_its_value_takes_one_message(rasa_stack, sender_id):
    patient = Patient(
        screening={"cold_sore_history": "yes, now and then"},
        review=["change my phone to my mobile 07912 345678", "confirm"],
    )
    transcript = run_intake(lambda text: rasa_stack.send(sender_id, text), patient)
    summaries = [text for text in transcript if "Here is what I'll send" in text]
    assert len(summaries) == 2, "the corrected summary is shown once more, nothing else asked"
    assert 'Cold sores in the past: "yes, now and then"' in summaries[0] and "No to the other" in summaries[0]
    assert "+447912345678" in summaries[1]
    assert stored_request(rasa_stack, transcript)["phone"] == "+447912345678"
    assert "Cold sores in the past:" in transcript[-1], "the outcome says which answer led to it"


# -- in Spanish ---------------------------------------------------------------------------------

IN_SPANISH = {"language": "es"}  # what the widget relay and the Telegram bridge send for Spanish


def in_spanish(stack, sender_id):
    return lambda text: stack.send(sender_id, text, metadata=IN_SPANISH)


@pytest.mark.parametrize(
    ("screening", "notes", "outcome", "flagged_rules"),
    [
        ({}, "no tomo anticoagulantes ni tengo alergias", "eligible", set()),
        ({"pregnancy": "sí, estoy embarazada de cinco meses"}, "no", "deferred", {"pregnancy"}),
        ({"treatments_and_medicines": "tomo sintrom"}, "no", "needs_review", {"blood_thinners"}),
        ({"conditions": "no estoy segura del 6"}, "no", "needs_review", {"cold_sore_history"}),
        ({}, "creo que no", "eligible", set()),
    ],
)
def test_a_whole_intake_in_spanish_is_stored_with_its_language_and_outcome(
    rasa_stack, sender_id, screening, notes, outcome, flagged_rules
):
    group_ids = {group.id for group in RULES.groups}
    groups = {key: text for key, text in screening.items() if key in group_ids}
    answers = {key: text for key, text in screening.items() if key not in group_ids}
    patient = spanish_patient(screening=answers, group_replies=groups, health_notes=notes)
    transcript = run_intake(in_spanish(rasa_stack, sender_id), patient, opening="Hola, quisiera pedir una consulta")
    assert not [text for text in transcript if "Your " in text or "Please" in text], "an English sentence"
    stored = stored_request(rasa_stack, transcript)
    assert stored["language"] == "es"
    # The consent agreed to is the Spanish text as shown, a version of its own.
    assert stored["consent_text"].startswith("Antes de empezar:") and stored["consent_version"].startswith("c-")
    assert stored["name"] == "María José Núñez"
    assert stored["date_of_birth"] == "1985-03-14"
    assert stored["phone"] == "+447911123456"
    assert stored["screening"]["outcome"] == outcome
    assert {flag["rule"] for flag in stored["screening"]["flags"]} == flagged_rules
    assert "se pondrá en contacto con usted por teléfono" in transcript[-1]


def test_switching_language_mid_intake_keeps_every_answer(rasa_stack, sender_id):
    def send(text):
        return rasa_stack.send(sender_id, text)

    for text in ("I'd like to book a consultation", "yes", "Jane Smith"):
        send(text)
    switched = [m["text"] for m in send("¿podemos seguir en español?")]
    assert switched[-1].startswith("¿Cuál es su fecha de nacimiento"), switched
    # The rest in Spanish; back to English at the summary, which shows everything given in both.
    patient = spanish_patient(name="not asked again", review=["english please", "confirm"])
    transcript = run_intake(send, patient, opening="14 de marzo de 1985")
    assert not [text for text in transcript if "nombre completo" in text], "the name was asked again"
    spanish_summary, english_summary = [t for t in transcript if "Esto es lo que" in t or "Here is what" in t]
    assert "Nombre: Jane Smith" in spanish_summary and "Fecha de nacimiento: 14/03/1985" in spanish_summary
    assert "Name: Jane Smith" in english_summary and "To treat: cicatrices de acné en las mejillas" in english_summary
    stored = stored_request(rasa_stack, transcript)
    assert (stored["name"], stored["date_of_birth"], stored["phone"]) == ("Jane Smith", "1985-03-14", "+447911123456")
    assert stored["concerns"] == "cicatrices de acné en las mejillas"
    assert stored["language"] == "en", "the request says the language the conversation ended in"
