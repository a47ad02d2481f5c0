"""Every database, key and log file the project creates is readable by its owner only: they hold
patients' answers (GDPR Art. 9 special-category data), session keys and conversation logs.

Setting the process umask, rather than chmod-ing each file, also covers the files libraries
create for us (SQLite databases and journals, Rasa's tracker store, uvicorn's logs redirected by
`bot.run`) and is inherited by every child process `make run` starts.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Callable

OWNER_ONLY = 0o077  # new files 0600, new folders 0700


def restrict_new_files() -> None:
    """Call first thing in every entry point that may create a file."""
    os.umask(OWNER_ONLY)


def private_dir(path: Path) -> Path:
    """The folder, created if needed, and made owner-only even if an older run created it open."""
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def create_once(path: Path, make: Callable[[], bytes], min_length: int = 1) -> bytes:
    """The content of a local key or secret file, made with `make()` on first use (0600).

    Written in full under a private temporary name, then linked into place: two processes
    starting together agree on one value (the loser reads the winner's) and neither ever reads
    half of one. A file shorter than `min_length` (empty, truncated) is replaced."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if path.exists():
        existing = path.read_bytes().strip()
        if len(existing) >= min_length:
            return existing
        path.unlink(missing_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as created:
        created.write(make())
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink()
    return path.read_bytes().strip()
