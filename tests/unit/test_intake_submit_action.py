"""`action_finish_intake` as the action server runs it: a filled-in tracker in, a stored request,
the patient's message, a staff notice on Telegram (stand-in Bot API) and cleared slots out."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.config
import actions.request_limits
from actions.intake.finish import ActionFinishIntake
from actions.intake.slots import INTAKE_SLOTS
from bot.db.consultations import list_requests
from bot.db.migrate import upgrade_to_head
from bot.settings import get_settings
from tests.fakes.telegram_api import TelegramApiStandIn

STAFF_CHAT = -100200300


def filled_tracker(sender: str = "telegram-4242", metadata: dict | None = None) -> Tracker:
    slots = {
        "intake_consent": "yes",
        "consent_at": datetime.now(timezone.utc).isoformat(),
        "intake_started_at": "2026-11-23T10:00:00+00:00",
        "full_name": "Ada Lovelace",
        "birth": "10/12/1985",
        "date_of_birth": "1985-12-10",
        "age": 40,
        "phone": "+447911123456",
        "email": "skipped",
        "preferred_contact": "phone",
        "concerns": "acne scars",
        "preferred_time": "mornings",
        "screening_reply": "done",
        "health_notes": "I take warfarin",
        "review_confirm": "confirmed",
        "screening_answers": [
            {
                "rule_id": "pregnancy",
                "answer_text": "no",
                "affirmed": False,
                "level": None,
                "follow_up": None,
                "question": "Pregnant?",
                "awaiting_follow_up": False,
            }
        ],
    }
    latest = {"text": "confirm", "intent": {"name": "affirm"}, "metadata": metadata or {}}
    return Tracker(sender, slots, latest, [], False, None, {}, "intake_form")


@pytest.fixture
def configured(tmp_path, monkeypatch):
    with TelegramApiStandIn() as telegram:
        monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'intake.db'}")
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", telegram.token)
        monkeypatch.setenv("TELEGRAM_BASE_URL", telegram.base_url)
        monkeypatch.setenv("TELEGRAM_STAFF_CHAT_ID", str(STAFF_CHAT))
        monkeypatch.setattr(actions.config, "_settings", get_settings())
        monkeypatch.setattr(actions.request_limits, "_limiter", None)  # stored-request caps start afresh
        upgrade_to_head(get_settings().database_url)  # as the action server does at start-up
        yield telegram


async def test_a_stored_request_notifies_staff_without_personal_or_health_details(configured):
    dispatcher = CollectingDispatcher()
    events = await ActionFinishIntake().run(dispatcher, filled_tracker(), {})

    stored = list_requests(get_settings().database_url)
    assert len(stored) == 1 and stored[0].channel == "telegram"
    assert stored[0].outcome == "needs_review", "warfarin in the health notes raises the blood-thinner rule"
    assert stored[0].reference in dispatcher.messages[0]["reference"]

    notices = configured.sent_messages(STAFF_CHAT)
    assert len(notices) == 1
    notice = notices[0]["text"]
    assert stored[0].reference in notice and "needs review" in notice and "telegram" in notice
    for private in ("Ada", "Lovelace", "7911", "warfarin", "acne", "1985"):
        assert private not in notice

    cleared = {event["name"] for event in events if event.get("event") == "slot" and event["value"] is None}
    assert set(INTAKE_SLOTS) <= cleared


async def test_a_spanish_conversation_s_request_is_stored_as_spanish_and_staff_are_told(configured):
    filled = filled_tracker("web-es")
    filled.slots["language"] = "es"
    await ActionFinishIntake().run(CollectingDispatcher(), filled, {})
    [stored] = list_requests(get_settings().database_url)
    assert stored.language == "es"
    [notice] = configured.sent_messages(STAFF_CHAT)
    assert "Language: Español" in notice["text"]


async def test_a_retried_submission_stores_once_and_notifies_once(configured):
    for _ in range(2):
        await ActionFinishIntake().run(CollectingDispatcher(), filled_tracker(), {})
    assert len(list_requests(get_settings().database_url)) == 1
    assert len(configured.sent_messages(STAFF_CHAT)) == 1


async def test_without_telegram_configured_the_request_is_still_stored(configured, monkeypatch):
    monkeypatch.delenv("TELEGRAM_STAFF_CHAT_ID")
    await ActionFinishIntake().run(CollectingDispatcher(), filled_tracker("web-abc"), {})
    assert [r.channel for r in list_requests(get_settings().database_url)] == ["web"]
    assert configured.sent_messages(STAFF_CHAT) == []


async def test_past_the_hourly_cap_nothing_is_stored_no_staff_notice_and_the_patient_gets_the_phone(
    configured, monkeypatch
):
    monkeypatch.setenv("REQUEST_LIMIT_PER_CLIENT", "2")
    monkeypatch.setattr(actions.config, "_settings", get_settings())
    client = {"client": "c0ffee" * 5}
    for sender in ("web-one", "web-two"):  # the same browser's address, two conversations
        await ActionFinishIntake().run(CollectingDispatcher(), filled_tracker(sender, client), {})
    dispatcher = CollectingDispatcher()
    events = await ActionFinishIntake().run(dispatcher, filled_tracker("web-three", client), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_request_limit_reached", "utter_forget_conversation"]
    assert len(list_requests(get_settings().database_url)) == 2
    assert len(configured.sent_messages(STAFF_CHAT)) == 2
    cleared = {event["name"] for event in events if event.get("event") == "slot" and event["value"] is None}
    assert set(INTAKE_SLOTS) <= cleared  # the answers are not kept either
    # Another client is not held back by this one.
    await ActionFinishIntake().run(CollectingDispatcher(), filled_tracker("web-four", {"client": "beef" * 8}), {})
    assert len(list_requests(get_settings().database_url)) == 3
