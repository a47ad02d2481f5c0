"""Questions inside long messages and two questions in one: which parts of a message answer it."""

from __future__ import annotations

import pytest

from bot.nlu.question_segments import MAX_PARTS, Choice, Reading, choose, split_parts


def _answerable(label: str) -> bool:
    return label.startswith("faq/") or label == "ask_price"


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("does it hurt?", []),
        ("does it hurt and how many sessions will I need?", ["does it hurt", "how many sessions will I need"]),
        ("How much is it? Also, are you open on Saturdays", ["How much is it", "are you open on Saturdays"]),
        ("1) does it hurt 2) how long is recovery", ["does it hurt", "how long is recovery"]),
        (
            "I work in a shop. So my main question is how much will it hurt",
            ["I work in a shop", "my main question is how much will it hurt"],
        ),
        ("salt and pepper", []),  # "and" alone does not split
        # In Spanish
        ("¿cuánto cuesta y cuánto dura la sesión?", ["¿cuánto cuesta", "cuánto dura la sesión"]),
        (
            "trabajo de cara al público, así que quería saber cuántos días estaré roja",
            ["trabajo de cara al público", "quería saber cuántos días estaré roja"],
        ),
        (
            "me gustaría saber si duele y también cuántas sesiones necesito",
            ["me gustaría saber si duele", "cuántas sesiones necesito"],
        ),
        ("tengo la piel grasa ¿me sirve el tratamiento?", ["tengo la piel grasa", "¿me sirve el tratamiento"]),
        ("sal y pimienta", []),
    ],
)
def test_a_message_is_read_in_sentences_and_in_clauses_that_start_a_new_question(text, parts):
    assert [part.text for part in split_parts(text)] == parts


def test_a_part_asks_when_it_has_a_question_mark_a_question_word_or_a_way_of_asking():
    parts = split_parts("Hi, I work at a gym. I was wondering how long the redness lasts. Does it hurt?")
    assert [part.asks for part in parts] == [False, True, True]
    parts = split_parts("Hola, trabajo en un gimnasio. Me preguntaba cuánto dura la rojez. ¿Duele mucho?")
    assert [part.asks for part in parts] == [False, True, True]


def test_context_is_not_answered_as_a_second_question_when_a_part_asks():
    whole = Reading("out_of_scope", 0.3)
    parts = [Reading("faq/exercise", 0.9), Reading("faq/pain", 0.8)]  # "I work at a gym. Does it hurt?"
    assert choose(whole, parts, _answerable, asks=[False, True]) == Choice((1,))


def test_a_pasted_essay_is_read_in_its_first_parts_only():
    assert len(split_parts("Is it safe? " * 100)) == MAX_PARTS


def test_a_question_inside_a_story_is_answered_from_its_part():
    whole = Reading("out_of_scope", 0.3)
    parts = [Reading("greet", 0.9), Reading("out_of_scope", 0.6), Reading("faq/pain", 0.7)]
    assert choose(whole, parts, _answerable) == Choice((2,))


def test_two_sure_questions_are_both_answered_in_the_order_asked():
    whole = Reading("faq/pain", 0.5)
    parts = [Reading("faq/pain", 0.8), Reading("ask_price", 0.9)]
    assert choose(whole, parts, _answerable).parts == (0, 1)


def test_two_parts_asking_the_same_question_are_one_question():
    whole = Reading("faq/pain", 0.9)
    parts = [Reading("faq/pain", 0.8), Reading("faq/pain", 0.7)]
    assert choose(whole, parts, _answerable) == Choice()  # the whole message is surer


def test_a_second_question_that_is_not_sure_leaves_the_surer_one():
    whole = Reading("out_of_scope", 0.4)
    parts = [Reading("faq/pain", 0.55), Reading("faq/sessions", 0.9)]
    assert choose(whole, parts, _answerable) == Choice((1,))


def test_a_message_sure_of_something_else_is_left_alone():
    whole = Reading("request_consultation", 0.9)  # "can I book? and does it hurt?" still books
    parts = [Reading("request_consultation", 0.9), Reading("faq/pain", 0.9)]
    assert choose(whole, parts, _answerable) == Choice()


def test_parts_that_are_not_sure_of_a_question_change_nothing():
    whole = Reading("out_of_scope", 0.8)
    assert choose(whole, [Reading("faq/pain", 0.45), Reading("greet", 0.9)], _answerable) == Choice()
