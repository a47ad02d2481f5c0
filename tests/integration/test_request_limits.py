"""The hourly cap on stored requests, through the real Rasa and action server: per conversation,
and per client as the website relay names it in the REST metadata. Past the cap the patient gets
the clinic's phone number, and nothing is stored (so no staff notice either)."""

from __future__ import annotations

import uuid

from bot.clinic import load_clinic
from bot.db.callbacks import list_callbacks
from bot.db.consultations import list_requests
from bot.settings import get_settings
from tests.support.conversation import Patient, run_intake

CLINIC = load_clinic(get_settings().clinic_config)
LIMIT_PER_CONVERSATION, LIMIT_PER_CLIENT = 3, 10  # the defaults in bot/settings.py
REFUSED = "I can't take another request from here just now"


def sender(stack, sender_id: str, client: str | None):
    def send(text: str) -> list[dict]:
        return stack.send(sender_id, text, metadata={"client": client} if client else None)

    return send


def request_callback(send) -> str:
    """A whole callback request; returns the bot's last words."""
    texts = []
    for text in ("/request_callback", "yes", "Ravi Shah", "07911 123456", "weekday mornings"):
        texts = [m["text"] for m in send(text) if m.get("text")]
        if REFUSED in texts[-1]:
            break
    return texts[-1]


def stored_for(stack, conversation_ids: set[str]) -> int:
    return sum(c.conversation_id in conversation_ids for c in list_callbacks(stack.database_url)) + sum(
        r.conversation_id in conversation_ids for r in list_requests(stack.database_url)
    )


def test_one_conversation_stores_at_most_three_requests_an_hour(rasa_stack, sender_id):
    send = sender(rasa_stack, sender_id, None)  # as Telegram or any caller without metadata
    finals = [request_callback(send) for _ in range(LIMIT_PER_CONVERSATION + 1)]
    assert all("CB-" in final for final in finals[:LIMIT_PER_CONVERSATION])
    assert REFUSED in finals[-1] and CLINIC.phone in finals[-1] and "nothing has been stored" in finals[-1]
    assert stored_for(rasa_stack, {sender_id}) == LIMIT_PER_CONVERSATION


def test_one_client_stores_at_most_ten_requests_an_hour_across_conversations(rasa_stack):
    client = uuid.uuid4().hex  # the relay's pseudonym of one browser's address
    conversations = [f"web-{uuid.uuid4().hex}" for _ in range(LIMIT_PER_CLIENT)]
    for conversation in conversations:
        assert "CB-" in request_callback(sender(rasa_stack, conversation, client))
    # The eleventh, a whole consultation request from yet another conversation, is not stored.
    last = f"web-{uuid.uuid4().hex}"
    transcript = run_intake(sender(rasa_stack, last, client), Patient())
    assert REFUSED in transcript[-1] and CLINIC.phone in transcript[-1]
    assert stored_for(rasa_stack, {*conversations, last}) == LIMIT_PER_CLIENT
    # The same client's cap does not hold back anybody else.
    assert "CB-" in request_callback(sender(rasa_stack, f"web-{uuid.uuid4().hex}", uuid.uuid4().hex))
