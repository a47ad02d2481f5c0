"""A message sent again with its id, to the trained model behind Rasa's REST channel, runs the
dialogue once (bot/exactly_once.py): the resend gets the first answer, in full, and the next
message is answered as if there had been no resend. Rasa's and the action server's readiness."""

from __future__ import annotations

import concurrent.futures

import httpx

from bot.web.relay import ALREADY_ANSWERED  # Rasa answers a late resend with the same text
from tests.support.conversation import Patient, run_intake


def test_a_resent_answer_is_not_taken_for_the_answer_to_the_next_question(rasa_stack, sender_id):
    send = rasa_stack.send
    send(sender_id, "I'd like to book a consultation", message_id="m1")
    first = send(sender_id, "yes", message_id="m2")  # consent: then the name is asked
    again = send(sender_id, "yes", message_id="m2")  # the relay timed out and sent it again
    assert again == first and "full name" in first[-1]["text"]
    # Had the resend run, "yes" would have been taken as a name (or re-asked): the form still
    # waits for the name, and takes it.
    after = [m["text"] for m in send(sender_id, "Jane Smith", message_id="m3") if m.get("text")]
    assert "Jane" in " ".join(after) or "birth" in " ".join(after)


def test_the_same_message_twice_at_once_is_answered_once_identically(rasa_stack, sender_id):
    rasa_stack.send(sender_id, "I'd like to book a consultation", message_id="a1")
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: rasa_stack.send(sender_id, "yes", message_id="a2"), range(2)))
    assert answers[0] == answers[1] and "full name" in answers[0][-1]["text"]


def test_a_message_without_an_id_still_runs_every_time(rasa_stack, sender_id):
    first = rasa_stack.texts(sender_id, "what are your opening hours")
    assert rasa_stack.texts(sender_id, "what are your opening hours") == first  # answered again, not refused


def test_after_the_form_ended_a_resend_gets_the_last_answer_again_or_a_neutral_one_never_a_new_conversation(
    rasa_stack, sender_id
):
    sent: list[tuple[str, str, list[dict]]] = []

    def send(text: str) -> list[dict]:
        answer = rasa_stack.send(sender_id, text, message_id=f"e{len(sent)}")
        sent.append((f"e{len(sent)}", text, answer))
        return answer

    run_intake(send, Patient())  # stored: the conversation is deleted with the answer
    last_id, last_text, last_answer = sent[-1]
    assert "reference is" in last_answer[0]["text"]
    # The reply to "confirm" was lost (a relay died): the resend gets the reference again.
    assert rasa_stack.send(sender_id, last_text, message_id=last_id) == last_answer
    earlier_id, earlier_text, _ = sent[3]
    resent = rasa_stack.send(sender_id, earlier_text, message_id=earlier_id)
    assert [m.get("text") for m in resent if m.get("text")] == [ALREADY_ANSWERED]
    assert any((m.get("custom") or {}).get("forget_conversation") for m in resent)


def test_readiness_of_rasa_and_the_action_server_needs_no_secret_and_names_what_it_checked(rasa_stack):
    rasa = httpx.get(f"{rasa_stack.rasa_url}/webhooks/rest/healthz", timeout=10)
    assert rasa.status_code == 200
    assert rasa.json() == {"status": "ok", "checks": {"model": "ok", "tracker_store": "ok"}}
    actions = httpx.get(rasa_stack.action_url.replace("/webhook", "/healthz"), timeout=10)
    assert actions.status_code == 200 and actions.json() == {"status": "ok", "checks": {"database": "ok"}}
    refused = httpx.post(f"{rasa_stack.rasa_url}/webhooks/rest/webhook", json={"sender": "x", "message": "hi"})
    assert refused.status_code == 403
