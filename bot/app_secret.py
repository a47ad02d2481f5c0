"""The server secret that signs the widget's session tokens and keys the hashes in rate-limit keys.

From `APP_SECRET_KEY` when set (production, and whenever processes run on more than one host:
they must all share it); otherwise generated once into `var/app-secret.key`, readable by its owner
only, so restarts keep the widget's sessions valid.
"""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path

MIN_LENGTH = 32
FILE_NAME = "app-secret.key"


class AppSecretError(RuntimeError):
    """APP_SECRET_KEY is set but too short to be a secret."""


@lru_cache(maxsize=8)
def app_secret(configured: str, var_dir: Path) -> bytes:
    if configured:
        if len(configured) < MIN_LENGTH:
            raise AppSecretError(f"APP_SECRET_KEY must be at least {MIN_LENGTH} characters long.")
        return configured.encode()
    path = var_dir / FILE_NAME
    if path.exists():
        existing = path.read_text().strip()
        if len(existing) >= MIN_LENGTH:
            return existing.encode()
        path.unlink()  # empty or truncated: replace it
    var_dir.mkdir(parents=True, exist_ok=True)
    # Written in full under a private temporary name, then linked into place: a process starting
    # at the same moment either links first or reads the complete key, never half of one.
    temporary = var_dir / f".{FILE_NAME}.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(48))
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink()
    return path.read_text().strip().encode()
