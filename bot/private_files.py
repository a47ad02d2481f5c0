"""Every database, key and log file the project creates is readable by its owner only: they hold
patients' answers (GDPR Art. 9 special-category data), session keys and conversation logs.

Setting the process umask, rather than chmod-ing each file, also covers the files libraries
create for us (SQLite databases and journals, Rasa's tracker store, uvicorn's logs redirected by
`bot.run`) and is inherited by every child process `make run` starts.
"""
from __future__ import annotations

import os
from pathlib import Path

OWNER_ONLY = 0o077  # new files 0600, new folders 0700


def restrict_new_files() -> None:
    """Call first thing in every entry point that may create a file."""
    os.umask(OWNER_ONLY)


def private_dir(path: Path) -> Path:
    """The folder, created if needed, and made owner-only even if an older run created it open."""
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)
    return path
