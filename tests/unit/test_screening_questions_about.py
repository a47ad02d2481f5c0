"""Questions about the screening question itself are told apart from answers."""

from __future__ import annotations

import pytest

from bot.screening.questions_about import AboutTheQuestion, question_about_the_question


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("what does question 3 mean?", AboutTheQuestion.MEANING),
        ("what do you mean?", AboutTheQuestion.MEANING),
        ("I don't understand", AboutTheQuestion.MEANING),
        ("what is rosacea", AboutTheQuestion.MEANING),
        ("huh?", AboutTheQuestion.MEANING),
        ("why do you ask?", AboutTheQuestion.WHY),
        ("why?", AboutTheQuestion.WHY),
        ("why do you need to know", AboutTheQuestion.WHY),
        ("how many more questions are there?", AboutTheQuestion.PROGRESS),
        ("how long will this take", AboutTheQuestion.PROGRESS),
        ("are we nearly done?", AboutTheQuestion.PROGRESS),
    ],
)
def test_questions_about_the_question(text, kind):
    assert question_about_the_question(text) is kind


@pytest.mark.parametrize(
    "text",
    [
        "no",
        "yes I do",
        "I have eczema on my cheeks",
        "not sure",
        "maybe",
        "I stopped 3 months ago",
        "",
        None,
        "🙂" * 500,
    ],
)
def test_answers_are_not_questions_about_the_question(text):
    assert question_about_the_question(text) is None
