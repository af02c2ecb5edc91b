"""Sends the outbox (acks=all), then marks what was sent published.

Two kinds are published:

- resolutions, to the decisions topic, as the desk wrote them;
- suppressions (a false-positive closure of a sanctions name match, four eyes), to the compacted
  suppressions topic keyed by suppression id: the desk's item names the entry, the account and the two
  officers, and `suppression_source.suppression_for` completes the `Suppression` from the case's records.
  One that can never be completed is settled with an audit entry saying why (`suppression_not_recorded`);
  one whose transfer has not arrived yet stays pending.

Runs after every action and every second besides, so an item written just before a crash or a broker
outage is sent when the desk is back; the ledger drops a re-sent resolution by its derived id, and a
re-sent suppression is the same record under the same key.
"""

from __future__ import annotations

import asyncio
import json
import logging

from aiokafka import AIOKafkaProducer

from schemas import topics
from schemas.common import utc_now
from services.broker.topics import ensure_topics
from services.casedesk.adapters.case_store import CaseStore
from services.casedesk.adapters.suppression_source import NotYet, Unrecordable, suppression_for
from services.casedesk.desk import RESOLUTION

log = logging.getLogger(__name__)

SUPPRESSION = "suppression"
"""The outbox kind desk.py writes for a `RecordSuppression` effect."""
NOT_RECORDED = "suppression_not_recorded"
"""The audit action of a suppression that could not be built."""
_JSON = [("content-type", b"application/json")]


class OutboxPublisher:
    def __init__(
        self, store: CaseStore, bootstrap: str, decisions_topic: str, suppressions_topic: str = topics.SUPPRESSIONS
    ) -> None:
        self.store = store
        self.bootstrap = bootstrap
        self.topic = decisions_topic
        self.suppressions_topic = suppressions_topic
        self.producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._topic_ready = False
        self._waiting: set[int] = set()
        """Suppression items already logged as waiting, so the one-second loop does not repeat it."""
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
            sent = await self._resolutions()
            sent += await self._suppressions()
            self.published += sent
            return sent

    async def _resolutions(self) -> int:
        items = await self.store.pending(RESOLUTION)
        if not items:
            return 0
        sends = [
            await self.producer.send(self.topic, json.dumps(item.body).encode(), key=item.key.encode(), headers=_JSON)
            for item in items
        ]
        await asyncio.gather(*sends)
        await self.store.mark_published([item.id for item in items])
        return len(items)

    async def _suppressions(self) -> int:
        items = await self.store.pending(SUPPRESSION)
        if not items:
            return 0
        sends, settled = [], []
        for item in items:
            built = await suppression_for(self.store.engine, item)
            if isinstance(built, NotYet):
                if item.id not in self._waiting:
                    self._waiting.add(item.id)
                    log.warning("suppression of case %s waits: %s", item.case_id, built.reason)
                continue
            if isinstance(built, Unrecordable):
                log.error("no suppression recorded for case %s (%s): %s", item.case_id, item.key, built.reason)
                await self.store.audit(
                    "system", NOT_RECORDED, item.case_id, {**item.body, "reason": built.reason}, utc_now()
                )
                await self.store.mark_published([item.id])  # settled at once: its audit entry is written
                continue
            await self._ensure_topic()
            sends.append(
                await self.producer.send(
                    self.suppressions_topic, built.model_dump_json().encode(), key=built.key, headers=_JSON
                )
            )
            settled.append(item.id)
            log.info("suppression %s of %s for case %s published", built.suppression_id, built.entry_key, item.case_id)
        await asyncio.gather(*sends)
        await self.store.mark_published(settled)
        self._waiting.difference_update(settled)
        return len(sends)

    async def _ensure_topic(self) -> None:
        # A producer would otherwise have the broker make the topic with its defaults: not compacted, so the
        # suppressions would be deleted with the retention period.
        if not self._topic_ready:
            config = topics.TOPIC_CONFIGS[topics.SUPPRESSIONS]
            await ensure_topics(self.bootstrap, {self.suppressions_topic: 1}, configs={self.suppressions_topic: config})
            self._topic_ready = True

    async def _loop(self) -> None:
        while True:
            try:
                await self.flush()
            except asyncio.CancelledError:
                raise
            except Exception:  # the broker or database is away: the items stay pending, try again
                log.exception("could not publish the outbox; retrying")
            await asyncio.sleep(1.0)
