"""One asyncio lock per transfer id, so that only submissions sharing an id wait for each other."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field


@dataclass(slots=True)
class _Entry:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0
    """Holders plus waiters; the entry is dropped at zero, so the table holds only ids in use."""


class IdLocks:
    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}

    def __len__(self) -> int:
        return len(self._entries)

    @asynccontextmanager
    async def hold(self, ids: Iterable[str]) -> AsyncIterator[None]:
        """Hold the locks of all `ids` for the block.

        Taken one by one in sorted order: two submissions that share several ids then always meet at the
        lowest shared one first, so neither can hold a lock the other is waiting for (no deadlock).
        An uncontended `asyncio.Lock` is taken without yielding, so a batch of thousands stays cheap.
        """
        held: list[str] = []
        try:
            for key in sorted(set(ids)):
                entry = self._entries.get(key)
                if entry is None:
                    entry = self._entries[key] = _Entry()
                entry.users += 1
                try:
                    await entry.lock.acquire()
                except BaseException:  # cancelled while waiting: give up the place in line
                    self._leave(key, entry)
                    raise
                held.append(key)
            yield
        finally:
            for key in reversed(held):
                entry = self._entries[key]
                entry.lock.release()
                self._leave(key, entry)

    def _leave(self, key: str, entry: _Entry) -> None:
        entry.users -= 1
        if entry.users == 0:
            del self._entries[key]
