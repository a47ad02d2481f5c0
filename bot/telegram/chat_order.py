"""One lock per chat: a chat's messages are handled in order, different chats in parallel.

The application processes updates concurrently; each handler holds its chat's lock while it talks
to Rasa and answers. asyncio.Lock wakes waiters first-in first-out, so a chat's updates keep the
order in which they arrived. Locks live in a weak dictionary and vanish when no handler holds them,
so idle chats cost no memory.
"""

from __future__ import annotations

import asyncio
import weakref


class ChatLocks:
    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()

    def for_chat(self, chat_id: int) -> asyncio.Lock:
        """The chat's lock; the caller keeps a reference while using it, which keeps it alive."""
        lock = self._locks.get(chat_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[chat_id] = lock
        return lock

    def __len__(self) -> int:
        return len(self._locks)
