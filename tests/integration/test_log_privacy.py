"""A custom action that fails mid-intake must not put the patient's answers into any log.

The real Rasa and action server run with a fault injected from outside the product code: a
`sitecustomize.py` on the action server's PYTHONPATH makes `action_finish_intake` raise an error
whose message embeds the whole submission (as SQLAlchemy's errors embed their SQL parameters).
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from bot.clinic import load_clinic
from bot.settings import get_settings
from tests.conftest import start_stack
from tests.support.conversation import Patient, reply_for

CLINIC = load_clinic(get_settings().clinic_config)

PATIENT = Patient(
    name="Zelda Quux-Testperson",
    birth="29/02/1984",
    phone="07912 345678",
    email="Zelda.Quux@Example.COM",
    contact="Email",
    concerns="zzqq-concerns about my chin",
    preferred_time="zzqq-time after lunch",
    screening={"cold_sore_history": "yes I get them sometimes zzqq-sores"},
    health_notes="zzqq-notes about my knee",
)
# As typed and as the intake normalises them (E.164 phone, lower-cased email, ISO date of birth).
SECRETS = [
    "Zelda",
    "Quux",
    "Testperson",
    "29/02/1984",
    "1984-02-29",
    "07912 345678",
    "07912345678",
    "7912345678",
    "Zelda.Quux@Example.COM",
    "zelda.quux@example.com",
    "zzqq",
]

# Patches action_finish_intake's module once it is imported (only the action server imports it).
FAULT = textwrap.dedent("""
    import importlib.abc, importlib.machinery, sys

    class _Fault(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name != "actions.intake.finish":
                return None
            spec = importlib.machinery.PathFinder.find_spec(name, path)
            load = spec.loader.exec_module

            def exec_module(module):
                load(module)
                build = module.submission_from

                def failing(tracker):
                    raise RuntimeError(f"could not store {build(tracker)!r}")

                module.submission_from = failing

            spec.loader.exec_module = exec_module
            return spec

    sys.meta_path.insert(0, _Fault())
""")


@pytest.fixture(scope="module", params=["INFO", "DEBUG"])  # as we run it, and as someone debugging might
def failing_stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    workdir = tmp_path_factory.mktemp(f"log_privacy_{request.param}")
    inject = workdir / "inject"
    inject.mkdir()
    (inject / "sitecustomize.py").write_text(FAULT)
    with pytest.MonkeyPatch.context() as patch:  # the environment both processes are started with
        patch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(inject), os.environ.get("PYTHONPATH")])))
        stack = start_stack(workdir, f"sqlite:///{workdir / 'intake.db'}", rasa_env={"LOG_LEVEL": request.param})
    yield stack, workdir
    stack.stop()


def logs_of(workdir: Path) -> dict[str, str]:
    logs = {path.name: path.read_text(errors="replace") for path in sorted(workdir.glob("*.log"))}
    assert {"rasa.log", "actions.log"} <= logs.keys()
    return logs


def test_a_failing_action_logs_the_failure_but_none_of_the_patients_answers(failing_stack, sender_id):
    stack, workdir = failing_stack
    texts = [m["text"] for m in stack.send(sender_id, "I'd like to book a consultation") if m.get("text")]
    transcript = list(texts)
    for _ in range(60):
        answer = reply_for(PATIENT, texts[-1])
        assert answer is not None, f"the intake ended although storing fails: {texts}"
        texts = [m["text"] for m in stack.send(sender_id, answer) if m.get("text")]
        if answer == "confirm":
            assert any("something went wrong" in text and CLINIC.phone in text for text in texts), (
                f"the patient is told kindly, with the clinic's number, never left in silence: {texts}"
            )
            break
        transcript += texts
    else:
        raise AssertionError(f"the intake never reached the summary: {transcript[-6:]}")
    stack.stop()  # flushes both processes' logs

    logs = logs_of(workdir)
    for name, text in logs.items():
        leaked = [secret for secret in SECRETS if secret.lower() in text.lower()]
        assert not leaked, f"{name} contains the patient's {leaked}:\n{text[-4000:]}"
    assert "action action_finish_intake failed: RuntimeError" in logs["actions.log"], "which action failed"
    assert "RuntimeError" in logs["actions.log"], "the action server does not say how the action failed"
    assert "finish.py" in logs["actions.log"], "the action server does not say where the action failed"
