"""A question inside a long message, and two questions in one message, through the real stack."""

from __future__ import annotations

PAIN = "numbing cream"
REDNESS = "look red"
PRICE = "£"

STORY = (
    "Hi there, I've been thinking about this for ages because of the scars my teenage acne left, and "
    "I finally saved up. I stand all day at work in a shop, so I was wondering how much it will hurt"
)


def test_a_question_inside_a_long_story_gets_its_answer(rasa_stack, sender_id):
    said = " ".join(rasa_stack.texts(sender_id, STORY))
    assert PAIN in said


def test_two_questions_in_one_message_get_both_answers_in_the_order_asked(rasa_stack, sender_id):
    said = rasa_stack.texts(sender_id, "Does it hurt? And how long will I be red for afterwards?")
    pain = next(i for i, text in enumerate(said) if PAIN in text)
    redness = next(i for i, text in enumerate(said) if REDNESS in text)
    assert pain < redness


def test_a_faq_and_a_clinic_question_in_one_message_get_both_answers(rasa_stack, sender_id):
    said = " ".join(rasa_stack.texts(sender_id, "how long is the recovery, and how much does it cost?"))
    assert REDNESS in said and PRICE in said


def test_two_questions_in_the_middle_of_the_intake_are_answered_and_the_question_asked_again(rasa_stack, sender_id):
    rasa_stack.texts(sender_id, "I'd like to book a consultation")
    asked = rasa_stack.texts(sender_id, "Does it hurt? Also, how much does it cost?")
    assert PAIN in " ".join(asked) and PRICE in " ".join(asked)
    assert "Do you agree" in asked[-1], "then the consent question again"
