"""Questions a patient asks about the screening question itself ("what does that mean?", "why do
you ask?", "how many more?"): these get a real answer, then the question again, instead of a
"please answer yes or no" or an unrelated FAQ answer. English and Spanish ("¿por qué lo preguntan?",
"¿qué significa eso?", "¿cuántas quedan?") are read alike, with or without accents."""

from __future__ import annotations

import enum
import re

from bot.intake.text import normalise_free_text, without_accents
from bot.screening.groups import Asking, Question


class AboutTheQuestion(enum.Enum):
    MEANING = "meaning"
    WHY = "why"
    PROGRESS = "progress"


_PATTERNS = (
    (
        AboutTheQuestion.PROGRESS,
        re.compile(
            r"\bhow many (?:more|other|left|to go|questions?)\b|\bhow much (?:longer|more)\b|"
            r"\bhow long (?:is|will|does) (?:this|it|the form)\b|\b(?:nearly|almost) (?:done|there|finished)\b|"
            r"\bhow many are (?:there|left)\b|\bquestions? (?:left|remaining)\b|"
            r"\bcuant[oa]s? (?:preguntas? )?(?:mas|quedan|faltan|me quedan|me faltan)\b|\bcuanto (?:falta|queda)\b|"
            r"\bcuanto dura (?:esto|el formulario|el cuestionario)\b|\b(?:falta|queda) mucho\b|"
            r"\bya (?:casi|acabamos|terminamos)\b|\bpreguntas? (?:quedan|faltan|restantes)\b"
        ),
    ),
    (
        AboutTheQuestion.WHY,
        re.compile(
            r"\bwhy (?:do|are|would|did|does) (?:you|it|that|this|the clinic) (?:ask|need|want|matter)|"
            r"\bwhy (?:is|does) (?:that|this|it) (?:matter|important|relevant|needed)|"
            r"\bwhy (?:do you )?(?:need|want) to know\b|^why\W*$|\bwhat(?:'s| is) (?:that|this|it) (?:got to do|for)\b|"
            r"\bpor ?que (?:me )?(?:lo |eso |esto )?(?:pregunta|preguntan|preguntas|necesita|necesitan|necesitas|"
            r"quiere saber|quieren saber|quieres saber|importa)|\bpor ?que (?:es|seria) (?:importante|necesario|relevante)|"
            r"\bpara que (?:es|sirve|lo necesitan|lo quieren saber|quieren saber|necesitan saber|preguntan|pregunta)\b|"
            r"^\W*por ?que\W*$|\bque tiene que ver\b"
        ),
    ),
    (
        AboutTheQuestion.MEANING,
        re.compile(
            r"\bwhat (?:does|do) (?:that|this|it|(?:question|number|item|no\.?) ?\d+|\d+|the question|you) mean\b|\bwhat do you mean\b|"
            r"\bi (?:don'?t|do not) (?:understand|get it|know what (?:that|this|it) means)\b|\bwhat is meant\b|"
            r"\b(?:can|could) you explain\b|^explain\b|\bmeaning of\b|\bwhat(?:'s| is| are) (?:a |an )?"
            r"(?:keloids?|hypertrophic|rosacea|eczema|psoriasis|isotretinoin|retinoids?|autoimmune|lupus|"
            r"scleroderma|haemophilia|hemophilia|von willebrand|lidocaine|chemical peel|filler|radiotherapy)\b|"
            r"^(?:huh|pardon|sorry)\W*$|"
            r"\bque (?:significa|quiere decir)\b|\ba que se refieren?\b|\bno (?:lo )?entiendo\b|"
            r"\b(?:me )?(?:lo )?(?:puede|puedes|pueden|podria|podrias) explicar\b|\bexpli(?:ca|came|camelo|que|quemelo)\b|"
            r"\bque (?:es|son) (?:un |una |el |la |los |las |eso de )?(?:queloides?|rosacea|eccema|eczema|psoriasis|"
            r"isotretinoina|retinoides?|autoinmune|lupus|esclerodermia|hemofilia|von willebrand|lidocaina|peeling|"
            r"rellenos?|radioterapia|tejido conectivo|cicatri(?:z|ces) hipertrofic(?:a|as)|antiagregantes?|"
            r"anticoagulantes?|inmunosupresores?)\b|^\W*(?:perdon|perdona|perdone|como|mande)\W*$"
        ),
    ),
)


def question_about_the_question(text: object) -> AboutTheQuestion | None:
    cleaned = without_accents(normalise_free_text(text, 300).lower().replace("’", "'"))
    for kind, pattern in _PATTERNS:
        if pattern.search(cleaned):
            return kind
    return None


_ITEM = re.compile(r"\b(?:question|number|item|no\.?)? ?(\d{1,2})\b")


def explanation_for(question: Question, text: str) -> str:
    """Why the question is asked: the item the patient names ("what does number 3 mean?"), the
    single rule being asked, or else the group as a whole."""
    if question.asking is not Asking.GROUP:
        return question.rule.explanation
    named = _ITEM.search(text.lower())
    if named and 1 <= int(named.group(1)) <= len(question.group.rules):
        return question.group.rules[int(named.group(1)) - 1].explanation
    return question.group.explanation
