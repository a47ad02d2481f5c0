"""Reading a staff-edited YAML file, with an error that names the file and what is wrong."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


def read_yaml(path: Path | str, error: type[ValueError], label: str) -> Any:
    path = Path(path)
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as problem:
        raise error(f"{label}: file {path} not found") from problem
    except yaml.YAMLError as problem:
        raise error(f"{label}: {path} is not valid YAML: {problem}") from problem
