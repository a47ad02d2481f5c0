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
        # In Spanish
        ("¿qué significa la 3?", AboutTheQuestion.MEANING),
        ("que quiere decir eso", AboutTheQuestion.MEANING),
        ("no entiendo", AboutTheQuestion.MEANING),
        ("no lo entiendo", AboutTheQuestion.MEANING),
        ("¿me lo puede explicar?", AboutTheQuestion.MEANING),
        ("¿Qué es la rosácea?", AboutTheQuestion.MEANING),
        ("que es un queloide", AboutTheQuestion.MEANING),
        ("¿qué son los antiagregantes?", AboutTheQuestion.MEANING),
        ("¿perdón?", AboutTheQuestion.MEANING),
        ("¿por qué lo preguntan?", AboutTheQuestion.WHY),
        ("por que me preguntas eso", AboutTheQuestion.WHY),
        ("¿por qué?", AboutTheQuestion.WHY),
        ("porque?", AboutTheQuestion.WHY),
        ("¿para qué necesitan saber eso?", AboutTheQuestion.WHY),
        ("¿qué tiene que ver?", AboutTheQuestion.WHY),
        ("no entiendo por qué lo preguntan", AboutTheQuestion.WHY),
        ("¿cuántas preguntas quedan?", AboutTheQuestion.PROGRESS),
        ("cuantas faltan", AboutTheQuestion.PROGRESS),
        ("¿cuánto falta?", AboutTheQuestion.PROGRESS),
        ("¿falta mucho?", AboutTheQuestion.PROGRESS),
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
        # In Spanish
        "sí, tengo",
        "tengo eccema en las mejillas",
        "no estoy segura",
        "no, porque nunca lo he tomado",  # "porque" is "because"
        "lo dejé hace 3 meses",
        "¿cuánto dura el tratamiento?",  # a question for the FAQ, not about the form
        "quiero mejorar las cicatrices",
    ],
)
def test_answers_are_not_questions_about_the_question(text):
    assert question_about_the_question(text) is None
