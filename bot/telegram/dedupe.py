"""Remembers recently processed ids, so an update Telegram delivers twice is handled once.

Telegram re-sends an update when it believes delivery failed (a slow webhook answer, a polling
offset that was not confirmed). The memory is bounded: ids are increasing, and a repeat arrives
soon after the original, so the most recent few thousand are enough.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable


class RecentIds:
    def __init__(self, capacity: int = 5000):
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self._capacity = capacity
        self._seen: OrderedDict[Hashable, None] = OrderedDict()

    def first_time(self, key: Hashable) -> bool:
        """True the first time `key` is offered, False for a repeat; records it either way."""
        if key in self._seen:
            self._seen.move_to_end(key)
            return False
        self._seen[key] = None
        if len(self._seen) > self._capacity:
            self._seen.popitem(last=False)
        return True

    def __len__(self) -> int:
        return len(self._seen)
