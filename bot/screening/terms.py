"""Finds the rules' terms (conditions, medicines, brand names) in anything a patient writes: a
screening answer, a group reply or the open "anything else about your health?" notes. One reading
for all of them, so an answer and a note never disagree about what "warfrin" or "no eczema" means.

A blank English spaCy pipeline (no model download): a sentencizer, an entity ruler whose patterns
come from every rule's `terms` (case-insensitive, multi-word, plural and light typo tolerance), and
negspacy's `negex` so "no blood thinners, but I take Eliquis" flags only Eliquis. Build one reader
per process and reuse it; each message is then a cheap pipeline run.
"""

from __future__ import annotations

import spacy
from negspacy.negation import Negex  # noqa: F401  (registers the "negex" factory)
from negspacy.termsets import termset
from spacy.language import Language

from bot.intake.text import normalise_free_text
from bot.screening.answers import ANSWER_MAX_LEN, Finding, RuleAnswer
from bot.screening.rules import Rule, ScreeningRules

NOTES_MAX_LEN = 2000
_LABEL = "SCREENING"
# Typo tolerance by word length: short words have too many real neighbours ("cancer"/"cancel").
_FUZZY_MIN_LEN_ONE_EDIT = 7
_FUZZY_MIN_LEN_TWO_EDITS = 8

# Additions to negspacy's clinical termset for how patients write rather than how notes are
# dictated: "haven't"/"won't" (spaCy splits off "n't"), and clause starts after which a negation
# no longer applies ("no allergies, I take warfarin").
_EXTRA_PRECEDING = ["n't", "none", "nor", "neither", "never been", "no longer", "not on", "not taking"]
# Form-style notes: "blood thinners: none".
_EXTRA_FOLLOWING = [": none", ": no", "- none", "- no"]
_EXTRA_TERMINATION = [
    "and i",
    "i take",
    "i'm taking",
    "i am taking",
    "i'm on",
    "im on",
    "i am on",
    "i use",
    "i have",
    "i've got",
    "i get",
    "i had",
    "also",
    "plus",
    "except for",
]


def _token_pattern(word: str) -> dict:
    if word.isalpha() and len(word) >= _FUZZY_MIN_LEN_TWO_EDITS:
        return {"LOWER": {"FUZZY2": word}}
    if word.isalpha() and len(word) >= _FUZZY_MIN_LEN_ONE_EDIT:
        return {"LOWER": {"FUZZY1": word}}
    variants = [word] if word.endswith("s") or not word.isalpha() else [word, word + "s", word + "es"]
    return {"LOWER": {"IN": variants}}


def _patterns_for(nlp: Language, rule: Rule) -> list[dict]:
    """One pattern per term; words may be joined by spaces or hyphens ("blood-thinners" and
    "breast feeding" match "blood thinners" and "breast-feeding")."""
    patterns = []
    for term in rule.terms:
        words = [token.lower_ for token in nlp.make_doc(term) if token.text != "-"]
        tokens: list[dict] = []
        for index, word in enumerate(words):
            if index:
                tokens.append({"ORTH": "-", "OP": "?"})
            pattern = _token_pattern(word)
            # Only the last word may be plural ("blood thinners"); earlier short words are exact.
            if index < len(words) - 1 and "IN" in pattern["LOWER"]:
                pattern = {"LOWER": word}
            tokens.append(pattern)
        patterns.append({"label": _LABEL, "id": rule.id, "pattern": tokens})
    return patterns


def _negation_terms() -> dict[str, list[str]]:
    terms = termset("en_clinical").get_patterns()
    return {
        "pseudo_negations": list(terms["pseudo_negations"]),
        "preceding_negations": sorted(set(terms["preceding_negations"]) | set(_EXTRA_PRECEDING)),
        "following_negations": sorted(set(terms["following_negations"]) | set(_EXTRA_FOLLOWING)),
        "termination": sorted(set(terms["termination"]) | set(_EXTRA_TERMINATION)),
    }


def build_pipeline(rules: ScreeningRules) -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    ruler = nlp.add_pipe("entity_ruler", config={"validate": True})
    ruler.add_patterns([pattern for rule in rules for pattern in _patterns_for(nlp, rule)])
    nlp.add_pipe("negex", config={"neg_termset": _negation_terms(), "ent_types": [_LABEL]})
    return nlp


class TermReader:
    """Finds screening terms in free text; `flags` turns the affirmed ones in health notes into answers."""

    def __init__(self, rules: ScreeningRules) -> None:
        self._rules = rules
        self._nlp = build_pipeline(rules)

    def findings(self, text: object) -> list[Finding]:
        cleaned = normalise_free_text(text, NOTES_MAX_LEN)
        if not cleaned:
            return []
        doc = self._nlp(cleaned)
        return [Finding(ent.ent_id_, ent.text, bool(ent._.negex)) for ent in doc.ents if ent.label_ == _LABEL]

    def flags(self, text: object) -> list[RuleAnswer]:
        """One answer per rule mentioned without negation, in the rules' order. The answer text is
        the patient's sentence that mentions it (trimmed), so staff read the words in context."""
        cleaned = normalise_free_text(text, NOTES_MAX_LEN)
        if not cleaned:
            return []
        sentence_of: dict[str, str] = {}
        for ent in self._nlp(cleaned).ents:
            if ent.label_ == _LABEL and not ent._.negex and ent.ent_id_ not in sentence_of:
                sentence_of[ent.ent_id_] = normalise_free_text(ent.sent.text, ANSWER_MAX_LEN)
        return [
            RuleAnswer(
                rule_id=rule.id,
                answer_text=sentence_of[rule.id],
                affirmed=True,
                level=rule.level,
                question=rule.question,
            )
            for rule in self._rules
            if rule.id in sentence_of
        ]
