"""The conversation's language in the actions, run as the action server runs them: the session
starts in the first message's language, `action_switch_language` changes it when asked and says
so in the new one, and what the actions compose themselves follows it."""

from __future__ import annotations

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.clinic_info import ActionClinicInfo
from actions.intake.finish import ActionFinishIntake
from actions.intake.form import ValidateIntakeForm
from actions.intake.review import ActionAskReviewConfirm
from actions.intake.screening import ActionAskScreeningReply
from actions.language import ActionSwitchLanguage
from actions.session import ActionSessionStart
from bot.clinic import Clinic
from bot.screening.rules import ScreeningRules
from tests.support.responses import domain, texts


def tracker(slots: dict | None = None, text: str = "", intent: str = "switch_language", **message) -> Tracker:
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.95}, **message}
    return Tracker("web-test", slots or {}, latest, [], False, None, {}, "action_listen")


def slots_set(events: list[dict]) -> dict:
    return {event["name"]: event["value"] for event in events if event.get("event") == "slot"}


# ---- the session starts in the first message's language -------------------------------------


@pytest.mark.parametrize(
    ("metadata", "language"),
    [
        ({"language": "es", "client": "c0ffee"}, "es"),
        ({"language": "en"}, "en"),
        ({"language": "fr"}, "en"),  # not ours: English
        ({"client": "c0ffee"}, "en"),  # a channel that says no language
        (None, "en"),  # curl, `rasa shell`
    ],
)
async def test_a_conversation_starts_in_its_first_message_s_language(metadata, language):
    events = await ActionSessionStart().run(
        CollectingDispatcher(), tracker({"session_started_metadata": metadata}), domain()
    )
    assert events[0]["event"] == "session_started"
    assert (events[-1]["event"], events[-1]["name"]) == ("action", "action_listen")
    set_ = slots_set(events)
    assert set_["language"] == language
    retention = {"en": "24 months", "es": "24 meses"}[language]  # inside the consent text: in its language
    assert set_["clinic_name"] == "Lumen Skin Clinic" and set_["request_retention"] == retention


# ---- switching --------------------------------------------------------------------------------


async def switch(current: str, text: str, **message) -> tuple[list[dict], list[str | None]]:
    dispatcher = CollectingDispatcher()
    slots = {"language": current, "requested_slot": "phone"}
    events = await ActionSwitchLanguage().run(dispatcher, tracker(slots, text, **message), domain())
    return events, texts(dispatcher.messages, {**slots, **slots_set(events)})


@pytest.mark.parametrize(
    ("current", "text", "target"),
    [
        ("en", "español", "es"),
        ("en", "en español por favor", "es"),
        ("en", "¿hablas español?", "es"),
        ("en", "spanish please", "es"),
        ("en", "no hablo inglés", "es"),  # the language named after "no" is the one not wanted
        ("en", "no entiendo inglés, ¿hay español?", "es"),
        ("es", "english", "en"),
        ("es", "in english please", "en"),
        ("es", "inglés", "en"),
        ("es", "from spanish to english", "en"),  # two named: the one not spoken now
        ("en", "change language", "es"),  # none named: the other one
        ("es", "otro idioma", "en"),
        ("en", "hola, ¿qué tal?", "es"),  # none named, but written in the other language
    ],
)
async def test_the_patient_gets_the_language_they_ask_for_and_is_told_so_in_it(current, text, target):
    events, said = await switch(current, text)
    assert slots_set(events)["language"] == target
    assert said == [{"es": "De acuerdo, seguimos en español.", "en": "Okay, let's continue in English."}[target]]


@pytest.mark.parametrize("language", ["es", "en"])
async def test_the_buttons_payload_names_the_language_as_an_entity(language):
    payload = f'/switch_language{{"language":"{language}"}}'
    entities = [{"entity": "language", "value": language, "start": 16, "end": 32}]
    events, _ = await switch("es" if language == "en" else "en", payload, entities=entities)
    assert slots_set(events)["language"] == language


async def test_the_clinic_s_details_are_set_again_in_the_new_language():
    events, _ = await switch("en", "español")
    assert set(slots_set(events)) == {
        "language",
        "clinic_name",
        "clinic_phone",
        "emergency_number",
        "request_retention",
    }


async def test_a_message_that_asks_for_no_language_changes_nothing_and_is_not_understood():
    events, said = await switch("es", "¿cuánto cuesta?")  # the NLU guessed wrong
    assert events == [] and "no le he entendido" in said[0]  # in the conversation's language


async def test_switching_in_a_form_leaves_the_form_to_ask_its_question_again():
    # rules.yml runs the form right after: the question being asked must stay the requested one.
    events, _ = await switch("en", "español")
    assert not {"requested_slot", "phone", "intake_consent"} & set(slots_set(events))
    assert all(event.get("event") == "slot" for event in events)


# ---- what the actions compose themselves follows the slot --------------------------------------


@pytest.fixture
def languages_asked(monkeypatch):
    """The language every Clinic.in_language and ScreeningRules.in_language call asks for."""
    asked: list[tuple[str, str]] = []
    for cls in (Clinic, ScreeningRules):
        original = cls.in_language

        def spy(self, language, _original=original, _name=cls.__name__):
            asked.append((_name, language))
            return _original(self, language)

        monkeypatch.setattr(cls, "in_language", spy)
    return asked


async def test_clinic_answers_use_the_clinic_s_texts_in_the_conversation_s_language(languages_asked):
    dispatcher = CollectingDispatcher()
    await ActionClinicInfo().run(dispatcher, tracker({"language": "es"}, "precio?", intent="ask_price"), domain())
    assert dispatcher.messages[0]["response"] == "utter_clinic_price"
    assert languages_asked == [("Clinic", "es")]


async def test_a_clinic_question_inside_the_form_is_answered_in_the_conversation_s_language(languages_asked):
    dispatcher = CollectingDispatcher()
    ValidateIntakeForm().validate_phone(
        "precio?", dispatcher, tracker({"language": "es"}, "precio?", intent="ask_price"), domain()
    )
    assert ("Clinic", "es") in languages_asked


async def test_the_screening_question_and_the_summary_use_the_rules_in_the_conversation_s_language(languages_asked):
    slots = {"language": "es", "screening_index": 0, "screening_answers": []}
    await ActionAskScreeningReply().run(CollectingDispatcher(), tracker(slots, "", intent="inform"), domain())
    assert languages_asked == [("ScreeningRules", "es")]
    languages_asked.clear()
    answered = {
        **slots,
        "phone": "+447911123456",
        "email": "skipped",
        "preferred_contact": "phone",
        "health_notes": "none",
    }
    await ActionAskReviewConfirm().run(CollectingDispatcher(), tracker(answered, "", intent="inform"), domain())
    assert languages_asked == [("ScreeningRules", "es")]


async def test_a_date_of_birth_given_as_an_age_is_shown_in_the_conversation_s_language(monkeypatch):
    import actions.intake.form

    asked: list[str] = []
    real = actions.intake.form.own_text

    def spy(name, language="en", **values):
        asked.append(language)
        return real(name, language, **values)

    monkeypatch.setattr(actions.intake.form, "own_text", spy)
    result = ValidateIntakeForm().validate_birth(
        "34", CollectingDispatcher(), tracker({"language": "es"}, "34", intent="inform"), domain()
    )
    assert asked == ["es"] and result["age"] == 34 and "34" in result["birth"]


async def test_the_notes_after_storing_a_request_use_the_rules_in_the_conversation_s_language(
    languages_asked, monkeypatch
):
    import actions.intake.finish
    from bot.db.consultations import SavedRequest

    async def allowed(tracker):
        return True

    monkeypatch.setattr(actions.intake.finish, "may_store_request", allowed)
    monkeypatch.setattr(
        actions.intake.finish, "save_submission", lambda url, s: SavedRequest("MN-TEST23", "eligible", False)
    )
    from tests.unit.test_intake_submit_action import filled_tracker

    filled = filled_tracker()
    filled.slots["language"] = "es"
    await ActionFinishIntake().run(CollectingDispatcher(), filled, domain())
    assert ("ScreeningRules", "es") in languages_asked
