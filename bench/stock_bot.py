"""The yardstick: the bot `rasa init` makes, trained and served from the same Rasa environment.

Rasa 3.6's own starter project (rasa/cli/initial_project, which `rasa init` copies) without its
custom actions, trained with its own config (Rasa's default pipeline and policies), served with
`rasa run` over the REST channel with Rasa's defaults: an in-memory tracker store, no action
server, no lock store. The model is kept under var/bench/ and trained again only when Rasa or the
starter project changes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.stack import RASA_BIN, Service, free_port

STARTER_FILES = (
    "config.yml",
    "domain.yml",
    "credentials.yml",
    "endpoints.yml",
    "data/nlu.yml",
    "data/rules.yml",
    "data/stories.yml",
)


def starter_project() -> Path:
    """Where the installed Rasa keeps the project `rasa init` copies."""
    found = subprocess.run(
        [str(RASA_BIN.parent / "python"), "-c", "import rasa.cli, os; print(os.path.dirname(rasa.cli.__file__))"],
        capture_output=True,
        text=True,
        check=True,
    )
    return Path(found.stdout.strip()) / "initial_project"


def _fingerprint(source: Path, config: str | None) -> str:
    digest = hashlib.sha256((config or "").encode())
    for name in STARTER_FILES:
        digest.update((source / name).read_bytes())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class StockBot:
    project: Path
    model: Path


def prepare(workdir: Path, config: str | None = None, log=print) -> StockBot:
    """The starter project copied into `workdir` and trained (once per fingerprint). `config`
    replaces its config.yml (the benchmark's own tests train a small one quickly)."""
    source = starter_project()
    project = workdir / f"stock-{_fingerprint(source, config)}"
    model = project / "models" / "stock.tar.gz"
    if model.exists():
        return StockBot(project, model)
    shutil.rmtree(project, ignore_errors=True)
    (project / "data").mkdir(parents=True)
    for name in STARTER_FILES:
        shutil.copy(source / name, project / name)
    if config is not None:
        (project / "config.yml").write_text(config, encoding="utf-8")
    log("Training the stock `rasa init` bot (once; kept in var/bench/)...")
    with open(project / "train.log", "w") as output:
        subprocess.run(
            [str(RASA_BIN), "train", "--quiet", "--fixed-model-name", "stock", "--out", "models"],
            cwd=project,
            stdout=output,
            stderr=subprocess.STDOUT,
            check=True,
            env=_rasa_env(),
        )
    return StockBot(project, model)


def _rasa_env() -> dict[str, str]:
    return dict(os.environ, RASA_TELEMETRY_ENABLED="false", PYTHONWARNINGS="ignore", TF_CPP_MIN_LOG_LEVEL="3")


@contextmanager
def serving(bot: StockBot) -> Iterator[str]:
    """`rasa run` of the stock model on a free port; yields its REST channel's URL."""
    port = free_port()
    service = Service(
        "stock Rasa",
        [
            str(RASA_BIN),
            "run",
            "--model",
            str(bot.model),
            "--credentials",
            str(bot.project / "credentials.yml"),
            "--endpoints",
            str(bot.project / "endpoints.yml"),  # the starter's, all commented out: Rasa's defaults
            "--interface",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        f"http://127.0.0.1:{port}/",
        env=_rasa_env(),
        log_path=bot.project / "rasa.log",
    )
    service.start()
    try:
        service.wait_ready(300)
        yield f"http://127.0.0.1:{port}/webhooks/rest/webhook"
    finally:
        service.stop()
