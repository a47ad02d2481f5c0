"""Two saves of the same thing at once, both past the "already stored?" check before either
inserts, so the database's unique constraint (not the check) has to settle the race."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from bot.db import store_once


def race_two_saves(save: Callable[[], object], monkeypatch: pytest.MonkeyPatch) -> list[object]:
    real_lookup = store_once.stored_reference
    both_checked = threading.Barrier(2, timeout=30)
    first_lookup_done = threading.local()

    def lookup_then_wait(*args):
        found = real_lookup(*args)
        if not getattr(first_lookup_done, "value", False):
            first_lookup_done.value = True
            both_checked.wait()
        return found

    monkeypatch.setattr(store_once, "stored_reference", lookup_then_wait)
    results, errors = [], []

    def run() -> None:
        try:
            results.append(save())
        except Exception as error:  # noqa: BLE001  (reported by the assertion below)
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == [], errors
    return results
