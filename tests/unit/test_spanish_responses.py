"""Every text a patient reads exists in Spanish: each response in domain.yml and every FAQ answer has
one Spanish variation (condition `language: es`) per English one, saying the same with the same
variables, buttons and payloads, so that only the words change with the slot `language`."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.consent import consent_version
from bot.responses import fill, own_text, response_text, variation, wait_in_words
from bot.web.widget_script import widget_labels

ROOT = Path(__file__).resolve().parents[2]
RESPONSE_FILES = [ROOT / "domain.yml", ROOT / "data" / "nlu" / "faq_responses.yml"]

# Words the same in both languages; a Spanish text made only of these and variables may equal the English.
PROPER_NAMES = {"WhatsApp", "Telegram"}
_VARIABLE = re.compile(r"{([^\n{}]+?)}")
# Informal "tú" forms: the Spanish speaks to the patient as "usted" throughout.
_TU_FORMS = re.compile(
    r"\b(tú|tu|tus|te|ti|contigo|puedes|quieres|tienes|sabes|estás|eres|dime|cuéntame|pregúntame|"
    r"escríbeme|inténtalo|cuídate|avísanos|llámanos|elígela|bórralo)\b",
    re.IGNORECASE,
)


def _responses() -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for path in RESPONSE_FILES:
        found.update(yaml.safe_load(path.read_text(encoding="utf-8"))["responses"])
    return found


RESPONSES = _responses()
NAMES = sorted(RESPONSES)


def language(variant: dict[str, Any]) -> str | None:
    return next((c["value"] for c in variant.get("condition") or [] if c["name"] == "language"), None)


def other_conditions(variant: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in variant.get("condition") or [] if c["name"] != "language"]


def counterparts(name: str) -> dict[int, list[dict[str, Any]]]:
    """For each English variation (by index), the Spanish ones for the same conversations: with the
    same other conditions; for the English default, those whose other conditions no English variation
    has (a Spanish default needs a condition that the other variations' conversations do not meet,
    e.g. `preferred_contact: null`)."""
    variants = RESPONSES[name]
    english = [v for v in variants if language(v) != "es"]
    spanish = [v for v in variants if language(v) == "es"]
    conditioned = [other_conditions(en) for en in english if en.get("condition")]
    found = {}
    for index, en in enumerate(english):
        if en.get("condition"):
            found[index] = [es for es in spanish if other_conditions(es) == other_conditions(en)]
        else:
            found[index] = [es for es in spanish if other_conditions(es) not in conditioned]
    return found


def pairs(name: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Each English variation with its Spanish one."""
    english = [v for v in RESPONSES[name] if language(v) != "es"]
    return [(english[index], spanish[0]) for index, spanish in counterparts(name).items()]


def variables(value: Any) -> set[str]:
    return set(_VARIABLE.findall(yaml.safe_dump(value, allow_unicode=True))) if value is not None else set()


SWITCH = {'/switch_language{"language":"es"}': "switch", '/switch_language{"language":"en"}': "switch"}


def _same_anywhere(payload: str) -> str:
    return SWITCH.get(payload, payload)


@pytest.mark.parametrize("name", NAMES)
def test_every_english_variation_has_exactly_one_spanish_one_with_the_same_conditions(name):
    variants = RESPONSES[name]
    english = [v for v in variants if language(v) != "es"]
    spanish = [v for v in variants if language(v) == "es"]
    assert english and len(spanish) == len(english), f"{name}: {len(english)} English, {len(spanish)} Spanish"
    for index, matching in counterparts(name).items():
        en = english[index]
        assert len(matching) == 1, f"{name}: no single Spanish variation for conditions {other_conditions(en)}"
        # Beside other conditions, English says so too: Rasa picks at random among the variations that fit.
        assert language(en) == ("en" if other_conditions(en) else None), name


def _compatible(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Some slot values satisfy both variations' conditions (one without conditions is only a default)."""
    if not a.get("condition") or not b.get("condition"):
        return False
    wanted = {}
    for condition in a["condition"] + b["condition"]:
        if wanted.setdefault(condition["name"], condition["value"]) != condition["value"]:
            return False
    return True


@pytest.mark.parametrize("name", NAMES)
def test_at_most_one_variation_fits_any_conversation(name):
    variants = RESPONSES[name]
    assert sum(1 for v in variants if not v.get("condition")) == 1, f"{name}: one English default"
    for a, b in itertools.combinations(variants, 2):
        assert not _compatible(a, b), f"{name}: {a.get('condition')} and {b.get('condition')} can both fit"


@pytest.mark.parametrize("name", NAMES)
def test_spanish_keeps_the_variables_buttons_payloads_and_custom_payloads(name):
    for en, es in pairs(name):
        assert variables(es.get("text")) == variables(en.get("text")), name
        assert es.get("custom") == en.get("custom"), name
        en_buttons, es_buttons = en.get("buttons") or [], es.get("buttons") or []
        # The same payloads, but the language button, which offers the other language.
        assert [_same_anywhere(b["payload"]) for b in es_buttons] == [_same_anywhere(b["payload"]) for b in en_buttons]
        assert all(b["title"].strip() for b in es_buttons), name
        assert set(es) == set(en) | ({"condition"} if "condition" not in en else set()), name


@pytest.mark.parametrize("name", NAMES)
def test_spanish_is_translated_and_keeps_the_markdown(name):
    for en, es in pairs(name):
        if en.get("text") is None:
            assert es.get("text") is None, name  # a custom payload only, the same in every language
            continue
        words = _VARIABLE.sub("", en["text"])
        for proper in PROPER_NAMES:
            words = words.replace(proper, "")
        if re.search(r"[A-Za-z]", words):
            assert es["text"] != en["text"], f"{name}: the Spanish is the English"
        for mark in ("\n- ", "**", "\n\n"):
            assert es["text"].count(mark) == en["text"].count(mark), f"{name}: markdown {mark!r}"
        if en.get("buttons"):
            titles = [(b["title"], s["title"]) for b, s in zip(en["buttons"], es["buttons"])]
            assert any(a != b for a, b in titles), f"{name}: button titles not translated"


@pytest.mark.parametrize("name", NAMES)
def test_spanish_says_usted_and_quotes_the_words_to_type_in_spanish(name):
    for _, es in pairs(name):
        said = " ".join([es.get("text") or ""] + [b["title"] for b in es.get("buttons") or []])
        assert not _TU_FORMS.search(said), f"{name}: {_TU_FORMS.search(said).group(0)!r} is tú, not usted"
        assert '"' not in said, f"{name}: words to type are quoted «así» in Spanish"


def _all_spanish_text() -> str:
    return "\n".join(es.get("text") or "" for name in NAMES for _, es in pairs(name))


def test_no_spanish_answer_claims_fda_approval_stops_a_medicine_or_reassures():
    text = _all_spanish_text().lower()
    assert not re.search(r"aprobad[oa]s? por la fda|fda[- ]approv", text)
    for phrase in ("deje de tomar", "suspenda", "no se preocupe", "todo está bien", "está usted bien", "no es nada"):
        assert phrase not in text, phrase


def _spanish(name: str, index: int = 0) -> dict[str, Any]:
    return pairs(name)[index][1]


def test_the_faq_answers_say_what_the_domain_brief_says():
    fda = _spanish("utter_faq/fda")["text"].lower()
    assert "autoriza" in fda and "22 años o más" in fda and "clase ii" in fda
    pregnancy = _spanish("utter_faq/pregnancy")["text"].lower()
    assert "embarazo" in pregnancy and "lactancia" in pregnancy
    contraindications = _spanish("utter_faq/contraindications")["text"].lower()
    assert "preguntas de salud" in contraindications and "consulta" in contraindications
    aftercare = _spanish("utter_faq/aftercare")["text"]
    assert "SPF 30" in aftercare and "dos semanas" in aftercare and "5 a 7 días" in aftercare
    assert "24 horas" in _spanish("utter_faq/makeup")["text"]
    assert "24 a 72 horas" in _spanish("utter_faq/exercise")["text"]


def test_red_flags_in_spanish_say_to_call_the_emergency_number_first():
    emergency = _spanish("utter_red_flag_emergency")
    first_line = emergency["text"].split("\n")[0]
    assert "{emergency_number}" in first_line and "llame ahora" in first_line.lower()
    assert emergency["custom"] == {"alert": "emergency", "call": "{emergency_number}"}
    urgent = _spanish("utter_red_flag_urgent")["text"]
    assert "hoy" in urgent and "{clinic_phone}" in urgent and "{emergency_number}" in urgent


def test_an_unsure_answer_is_noted_for_a_practitioner_never_called_fine():
    noted = _spanish("utter_screening_unsure_noted")["text"]
    assert "profesional" in noted and "antes de reservar" in noted


def test_own_text_says_the_spanish_variation_when_the_language_is_spanish():
    assert own_text("utter_relay_empty") == own_text("utter_relay_empty", "en") == "Please type a message first."
    assert own_text("utter_relay_empty", language="es") == "Escriba primero un mensaje, por favor."
    assert own_text("utter_relay_too_long", "es", max_chars=2000).endswith(
        "menos de 2000 caracteres, o enviarlo en partes?"
    )
    assert own_text("utter_relay_empty", None) == "Please type a message first."
    assert [wait_in_words(n, "es") for n in (1, 30, 600)] == ["1 segundo", "30 segundos", "10 minutos"]
    for name in NAMES:
        if name.startswith(("utter_relay_", "utter_telegram_", "utter_wait_")):
            assert own_text(name, "es") == _spanish(name)["text"], name


def test_the_telegram_bridge_speaks_spanish_too():
    from bot.clinic import load_clinic
    from bot.telegram import replies

    clinic = load_clinic(ROOT / "clinic" / "clinic.yml")
    assert replies.help_text(clinic, "es").startswith(f"Soy el asistente de {clinic.name}.")
    assert f"llame ahora al {clinic.emergency_number}" in replies.trouble(clinic, "es")
    assert replies.trouble(clinic) == replies.trouble(clinic, "en") != replies.trouble(clinic, "es")
    assert replies.say(replies.COMMANDS).startswith("/start greets you again")
    assert not replies.say(replies.COMMANDS, "es").startswith("/start greets you again")


def test_words_inside_messages_follow_the_conversations_language():
    domain = {"responses": RESPONSES}
    stored = "utter_request_stored_eligible"
    by_phone = {"preferred_contact": "phone", "clinic_name": "Lumen"}
    assert "por teléfono" in response_text(domain, {**by_phone, "language": "es"}, stored, reference="R1", notes="")
    assert "by phone" in response_text(domain, {**by_phone, "language": "en"}, stored, reference="R1", notes="")
    assert "by phone" in response_text(domain, by_phone, stored, reference="R1", notes=""), "English without the slot"
    assert response_text(domain, {"language": "es"}, "utter_contact_method_email") == "Correo electrónico"
    assert response_text(domain, {"language": "es"}, "utter_review_no_to_all", count=7) == "No a las 7 preguntas"


def test_the_clinic_answers_inside_a_form_have_no_next_step_buttons_in_either_language():
    for name in [n for n in NAMES if n.startswith("utter_clinic_") and not n.endswith("_in_form")]:
        inside = RESPONSES[f"{name}_in_form"]
        for lang in ("en", "es"):
            outside_variant = variation(RESPONSES[name], {"language": lang})
            inside_variant = variation(inside, {"language": lang})
            assert outside_variant["buttons"] and "buttons" not in inside_variant, name
            assert inside_variant["text"] == outside_variant["text"], name


def test_each_languages_consent_text_has_its_own_version():
    slots = {"clinic_name": "Lumen Skin Clinic", "request_retention": "24 months"}
    for name in ("utter_ask_intake_consent", "utter_ask_callback_consent"):
        english = fill(variation(RESPONSES[name], {"language": "en"})["text"], slots)
        spanish = fill(variation(RESPONSES[name], {"language": "es"})["text"], slots)
        assert spanish != english and consent_version(spanish) != consent_version(english)
        assert consent_version(spanish) == consent_version(spanish), "the same words, the same version"
        assert "Lumen Skin Clinic" in spanish and "24 months" in spanish and "«borrar mis datos»" in spanish


def test_widget_labels_have_the_same_names_and_variables_in_english_and_spanish():
    labels = widget_labels()
    assert set(labels["es"]) == set(labels["en"])
    for key, english in labels["en"].items():
        assert variables(labels["es"][key]) == variables(english), key
        assert labels["es"][key] != english, key
    assert labels["es"]["send"] == "Enviar"


@pytest.mark.parametrize(
    ("requested_slot", "response"), [(None, "utter_clinic_price"), ("phone", "utter_clinic_price_in_form")]
)
def test_the_clinic_answer_offers_next_steps_only_when_no_form_is_asking(requested_slot, response):
    import asyncio

    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    from actions.clinic_info import ActionClinicInfo

    message = {"text": "¿cuánto cuesta?", "intent": {"name": "ask_price", "confidence": 0.9}}
    slots = {"requested_slot": requested_slot, "language": "es"}
    tracker = Tracker("test", slots, message, [], False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionClinicInfo().run(dispatcher, tracker, {}))
    assert [m["response"] for m in dispatcher.messages] == [response]
