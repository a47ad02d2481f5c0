"""Finds the rules' terms (conditions, medicines, brand names) in anything a patient writes: a
screening answer, a group reply or the open "anything else about your health?" notes. One reading
for all of them, so an answer and a note never disagree about what "warfrin" or "no eczema" means.

A blank spaCy pipeline (no model download): a sentencizer, an entity ruler whose patterns come from
every rule's terms in English and Spanish, recognised in every conversation because patients mix
them (case- and accent-insensitive, multi-word, plural and light typo tolerance), and negspacy's
`negex` with English and Spanish cues, so "no blood thinners, but I take Eliquis" and "no tomo
anticoagulantes, pero sí Sintrom" flag only the second medicine. Build one reader per process and
reuse it; each message is then a cheap pipeline run.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import spacy
from negspacy.negation import Negex  # noqa: F401  (registers the "negex" factory)
from negspacy.termsets import termset
from spacy.language import Language
from spacy.tokens import Doc

from bot.intake.text import normalise_free_text, without_accents
from bot.screening.answers import ANSWER_MAX_LEN, Finding, RuleAnswer, says_stopped
from bot.screening.rules import Rule, ScreeningRules

NOTES_MAX_LEN = 2000
_LABEL = "SCREENING"
# Typo tolerance by word length: short words have too many real neighbours ("cancer"/"cancel").
_FUZZY_MIN_LEN_ONE_EDIT = 7
_FUZZY_MIN_LEN_TWO_EDITS = 8

# Real words one or two letters from a term, which typo tolerance must not read as it: "injection" is
# not "infection", "arrugas" (wrinkles, a reason to come) not "verrugas", "inglés" not "shingles".
_NOT_TYPOS = sorted(
    {
        *("injection", "injections", "injected", "induction", "infusion", "inflated", "inserted", "invented"),
        *("indented", "different", "single", "singles", "melasma", "graduation", "filter", "filters"),
        *("inyeccion", "inyecciones", "inyectado", "inyectada", "induccion", "infusion", "infusiones", "inflacion"),
        *("arruga", "arrugas", "estacion", "estaciones", "bastante", "operador", "operadora", "oracion"),
        *("oraciones", "aspiradora", "sintoma", "sintomas", "harina", "cortina", "cortinas", "asteroides"),
        *("rellenar", "rellena", "rellene", "rellenado", "rellenada", "rellenando", "calentar", "calentado"),
        *("calentito", "calentita", "ingles", "inglesa", "embarazoso", "embarazosa", "granizo", "melanina"),
        *("percutanea", "percutaneo"),
    }
)

# Additions to negspacy's clinical termset for how patients write rather than how notes are
# dictated: "haven't"/"won't" (spaCy splits off "n't"), and clause starts after which a negation
# no longer applies ("no allergies, I take warfarin"). Spanish cues beside the English ones, written
# with and without accents (negex matches them as typed).
_EXTRA_PRECEDING = ["n't", "none", "nor", "neither", "never been", "no longer", "not on", "not taking"]
_SPANISH_PRECEDING = ["sin", "nunca", "jamás", "ni", "tampoco", "ningún", "ninguna", "ninguno", "nada de", "ya no"]
_SPANISH_PRECEDING += ["libre de", "sin antecedentes de", "niego", "niega"]
# Double negatives and idioms that are not negations: "I haven't stopped warfarin", "no solo Sintrom".
_EXTRA_PSEUDO = ["n't stopped", "never stopped", "not stopped", "sin embargo", "no solo", "no sólo", "no solamente"]
_EXTRA_PSEUDO += ["no he dejado", "no lo he dejado", "no la he dejado", "nunca he dejado", "no dejo", "sin dejar"]
# Form-style notes: "blood thinners: none", "anticoagulantes: ninguno".
_EXTRA_FOLLOWING = [": none", ": no", "- none", "- no", ": ninguno", ": ninguna", ": nada", "- ninguno", "- nada"]
_SPANISH_TERMINATION = [
    "pero",
    "aunque",
    "sin embargo",
    "excepto",
    "salvo",
    "aparte de",
    "además",
    "también",
    "solo",
    "sólo",
    "solamente",
    "únicamente",
    "y tomo",
    "y tengo",
    "y uso",
    "y estoy",
    "y me",
    "y sí",
    ", tomo",
    ", tengo",
    ", uso",
    ", estoy",
    ", sí",
    "sí tomo",
    "sí tengo",
]
_EXTRA_TERMINATION = [
    "only",
    "just",
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


@Language.component("screening_unaccented_norm")
def _unaccented_norm(doc):
    """Each token's NORM is its lower case without accents, so "roacutan" finds "Roacután"."""
    for token in doc:
        token.norm_ = without_accents(token.lower_)
    return doc


# What a condition left behind is not the condition now, and is often what the patient wants treated:
# "marcas de los granos", "holes from old pimples" (read on the words just before a term).
_LEFT_BY = re.compile(
    r"\b(?:scars?|marks?|holes|pits|pitting|marcas?|marquitas?|cicatri(?:z|ces)|manchas?|manchitas?|huellas?|"
    r"hoyos|hoyitos|agujeros|secuelas?)\s+(?:de|del|from|left by|of)"
    r"(?:\s+(?:los|las|la|el|mis|my|the|old|an?|unos|unas|un|una|viej[oa]s?|antigu[oa]s?))*\s*$"
)


def _not_typos_of(word: str) -> list[str]:
    # A term's own forms are not near misses: "injection" is one for "infection", not for "injections".
    def stem(text: str) -> str:
        return text.removesuffix("es") if text.endswith("es") else text.removesuffix("s")

    return [real for real in _NOT_TYPOS if stem(real) != stem(word)]


def _token_pattern(word: str) -> dict:
    word = without_accents(word)
    if word.isalpha() and len(word) >= _FUZZY_MIN_LEN_TWO_EDITS:
        return {"NORM": {"FUZZY2": word, "NOT_IN": _not_typos_of(word)}}
    if word.isalpha() and len(word) >= _FUZZY_MIN_LEN_ONE_EDIT:
        return {"NORM": {"FUZZY1": word, "NOT_IN": _not_typos_of(word)}}
    variants = [word] if word.endswith("s") or not word.isalpha() else [word, word + "s", word + "es"]
    return {"NORM": {"IN": variants}}


def _patterns_for(nlp: Language, rule: Rule) -> list[dict]:
    """One pattern per term; words may be joined by spaces or hyphens ("blood-thinners" and
    "breast feeding" match "blood thinners" and "breast-feeding")."""
    patterns = []
    for term in rule.recognised_terms:
        words = [token.lower_ for token in nlp.make_doc(term) if token.text != "-"]
        tokens: list[dict] = []
        for index, word in enumerate(words):
            if index:
                tokens.append({"ORTH": "-", "OP": "?"})
            pattern = _token_pattern(word)
            # Only the last word may be plural ("blood thinners"); earlier short words are exact.
            if index < len(words) - 1 and "IN" in pattern["NORM"]:
                pattern = {"NORM": without_accents(word)}
            tokens.append(pattern)
        patterns.append({"label": _LABEL, "id": rule.id, "pattern": tokens})
    return patterns


def _as_typed(phrases: list[str]) -> set[str]:
    """Each phrase as written and without its accents, as patients type both."""
    return set(phrases) | {without_accents(phrase) for phrase in phrases}


def _negation_terms() -> dict[str, list[str]]:
    terms = termset("en_clinical").get_patterns()
    return {
        "pseudo_negations": sorted(set(terms["pseudo_negations"]) | _as_typed(_EXTRA_PSEUDO)),
        "preceding_negations": sorted(
            set(terms["preceding_negations"]) | set(_EXTRA_PRECEDING) | _as_typed(_SPANISH_PRECEDING)
        ),
        "following_negations": sorted(set(terms["following_negations"]) | set(_EXTRA_FOLLOWING)),
        "termination": sorted(set(terms["termination"]) | set(_EXTRA_TERMINATION) | _as_typed(_SPANISH_TERMINATION)),
    }


def build_pipeline(rules: ScreeningRules) -> Language:
    nlp = spacy.blank("en")  # its tokenizer splits Spanish as well (¿ ¡ are punctuation)
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("screening_unaccented_norm")
    ruler = nlp.add_pipe("entity_ruler", config={"validate": True})
    ruler.add_patterns([pattern for rule in rules for pattern in _patterns_for(nlp, rule)])
    nlp.add_pipe("negex", config={"neg_termset": _negation_terms(), "ent_types": [_LABEL]})
    return nlp


class TermReader:
    """Finds screening terms in free text; `flags` turns the affirmed ones in health notes into answers."""

    def __init__(self, rules: ScreeningRules) -> None:
        self._rules = rules
        self._nlp = build_pipeline(rules)

    def _mentions(self, doc: Doc) -> Iterator[tuple[Finding, str]]:
        """Each term found, as a Finding with the sentence it is in."""
        for ent in doc.ents:
            if ent.label_ != _LABEL:
                continue
            if _LEFT_BY.search(without_accents(doc[max(0, ent.start - 6) : ent.start].text.lower())):
                continue
            yield Finding(ent.ent_id_, ent.text, bool(ent._.negex), says_stopped(ent.sent.text)), ent.sent.text

    def findings(self, text: object) -> list[Finding]:
        cleaned = normalise_free_text(text, NOTES_MAX_LEN)
        if not cleaned:
            return []
        return [finding for finding, _ in self._mentions(self._nlp(cleaned))]

    def flags(self, text: object) -> list[RuleAnswer]:
        """One answer per rule mentioned as applying (without negation, or stopped for a rule that
        asks about the past), in the rules' order. The answer text is the patient's sentence that
        mentions it (trimmed), so staff read the words in context."""
        cleaned = normalise_free_text(text, NOTES_MAX_LEN)
        if not cleaned:
            return []
        sentence_of: dict[str, str] = {}
        for finding, sentence in self._mentions(self._nlp(cleaned)):
            if finding.rule_id not in sentence_of and finding.applies_to(self._rules[finding.rule_id]):
                sentence_of[finding.rule_id] = normalise_free_text(sentence, ANSWER_MAX_LEN)
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
