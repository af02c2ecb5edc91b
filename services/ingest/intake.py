"""The one path every transfer takes into the system, from the HTTP API or from a file."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from schemas import TransferEvent
from services.ingest.adapters.publisher import TransferPublisher
from services.ingest.adapters.store import AcceptedStore
from services.ingest.domain.submission import Plan, plan


class ConflictError(Exception):
    """A transfer id was accepted before with other content; nothing of the submission is published."""

    def __init__(self, transfer_ids: Sequence[str]) -> None:
        super().__init__(f"transfer_id(s) already accepted with different content: {', '.join(transfer_ids)}")
        self.transfer_ids = tuple(transfer_ids)


class Intake:
    def __init__(self, publisher: TransferPublisher, store: AcceptedStore) -> None:
        self.publisher = publisher
        self.store = store
        # One submission at a time decides what is new, so two concurrent copies of the same
        # transfer cannot both be published by this process.
        self._lock = asyncio.Lock()

    async def submit(self, events: Sequence[TransferEvent]) -> Plan:
        async with self._lock:
            seen = await self.store.fingerprints([e.transfer_id for e in events])
            result = plan(events, seen)
            if result.conflicts:
                raise ConflictError(result.conflicts)
            # Publish before recording: a crash in between re-publishes on retry (a duplicate
            # the screener and ledger drop by id) instead of losing the transfer.
            await self.publisher.publish(result.to_publish)
            await self.store.record(result.to_publish)
            return result
