"""Reading a staff-edited YAML file, with an error that names the file and what is wrong."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

# What a staff member reads for each kind of mistake pydantic finds.
_PROBLEMS = {
    "missing": "is missing or empty",
    "string_too_short": "is missing or empty",
    "too_short": "must be a non-empty list",
    "tuple_type": "must be a non-empty list",
    "list_type": "must be a non-empty list",
    "model_type": "must be a mapping",
    "dict_type": "must be a mapping",
    "model_attributes_type": "must be a mapping",
    "extra_forbidden": "is not a known setting",
    "string_type": "must be text",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
}
_NUMBERS = ("int_type", "int_parsing", "int_from_float", "greater_than_equal", "greater_than")


def read_yaml(path: Path | str, error: type[ValueError], label: str) -> Any:
    path = Path(path)
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as problem:
        raise error(f"{label}: file {path} not found") from problem
    except yaml.YAMLError as problem:
        raise error(f"{label}: {path} is not valid YAML: {problem}") from problem


def friendly_errors(label: str, error: ValidationError) -> str:
    """One line per mistake, naming the field as it is written in the file: 'hours[0].open'."""
    lines = []
    for problem in error.errors():
        where = ""
        for part in problem["loc"]:
            where += f"[{part}]" if isinstance(part, int) else (f".{part}" if where else str(part))
        if problem["type"] in _NUMBERS:
            why = f"must be a whole number of at least 1, got {problem.get('input')!r}"
        else:
            why = _PROBLEMS.get(problem["type"], problem["msg"].removeprefix("Value error, "))
        lines.append(f"{label}: '{where}' {why}" if where else f"{label}: {why}")
    return "\n".join(lines)
