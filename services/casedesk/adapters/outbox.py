"""Sends the outbox's resolutions to the decisions topic (acks=all), then marks them published.

Runs after every action and every second besides, so a resolution written just before a crash or a
broker outage is sent when the desk is back; the ledger drops a re-sent one by its derived id.
"""

from __future__ import annotations

import asyncio
import json
import logging

from aiokafka import AIOKafkaProducer

from services.casedesk.adapters.case_store import CaseStore
from services.casedesk.desk import RESOLUTION

log = logging.getLogger(__name__)


class OutboxPublisher:
    def __init__(self, store: CaseStore, bootstrap: str, decisions_topic: str) -> None:
        self.store = store
        self.topic = decisions_topic
        self.producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self.published = 0

    async def start(self) -> None:
        await self.producer.start()
        self._task = asyncio.create_task(self._loop(), name="casedesk-outbox")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self.producer.stop()

    async def flush(self) -> int:
        """Publish what is pending; returns how many were sent."""
        async with self._lock:
            items = await self.store.pending(RESOLUTION)
            if not items:
                return 0
            sends = [
                await self.producer.send(
                    self.topic,
                    json.dumps(item.body).encode(),
                    key=item.key.encode(),
                    headers=[("content-type", b"application/json")],
                )
                for item in items
            ]
            await asyncio.gather(*sends)
            await self.store.mark_published([item.id for item in items])
            self.published += len(items)
            return len(items)

    async def _loop(self) -> None:
        while True:
            try:
                await self.flush()
            except asyncio.CancelledError:
                raise
            except Exception:  # the broker or database is away: the items stay pending, try again
                log.exception("could not publish the outbox; retrying")
            await asyncio.sleep(1.0)
