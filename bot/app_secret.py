"""The server secret that signs the widget's session tokens and keys the hashes in rate-limit keys.

From `APP_SECRET_KEY` when set (production, and whenever processes run on more than one host:
they must all share it); otherwise generated once into `var/app-secret.key`, readable by its owner
only, so restarts keep the widget's sessions valid.
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

from bot.private_files import create_once

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
    return create_once(var_dir / FILE_NAME, lambda: secrets.token_urlsafe(48).encode("ascii"), MIN_LENGTH)
