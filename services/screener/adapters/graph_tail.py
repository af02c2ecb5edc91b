"""Every replica reads every partition of the transfers topic, so each has the complete graph.

The group consumer hands a replica only its own partitions to screen. This second consumer has
no group: it reads all partitions from where the start-up rebuild stopped (the group's commits)
and files each transfer in `Arrivals`, from which the screener moves transfers into the graph in
event order just before it screens a later one (handlers.py).

Before screening a batch the screener waits, up to `wait_s`, until every partition has been read
up to the batch's latest event time or to the end offset the broker reports at that moment: the
event-time watermark across partitions. A partition another replica is far behind on cannot
stop screening: after the wait the batch is screened with what has arrived, and the lag is
logged (a transfer that arrives later still enters the graph for the transfers after it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Collection, Mapping
from datetime import datetime

from aiokafka import AIOKafkaConsumer, TopicPartition
from pydantic import ValidationError

from schemas import TransferEvent
from schemas.common import utc_now
from services.screener.domain.arrivals import Arrivals
from services.screener.domain.event_time import too_far_ahead

log = logging.getLogger(__name__)


class GraphTail:
    """A group-less reader of all partitions feeding `Arrivals`, with an event-time wait."""

    def __init__(
        self, bootstrap: str, topic: str, *, wait_s: float, max_waiting: int, max_skew_s: float = 300.0
    ) -> None:
        self._bootstrap = bootstrap
        self._max_skew_s = max_skew_s
        self._topic = topic
        self._wait_s = wait_s
        self._max_waiting = max_waiting
        self.arrivals = Arrivals({})
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None
        self._progress = asyncio.Event()
        self.late_batches = 0
        """Batches screened before every partition caught up (the wait ran out)."""

    async def start(self, starts: Mapping[int, int]) -> None:
        """Read every partition from `starts` (partition → first offset not yet in the graph)."""
        self.arrivals = Arrivals(starts)
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
        )
        await consumer.start()
        partitions = [TopicPartition(self._topic, p) for p in sorted(starts)]
        consumer.assign(partitions)
        for tp in partitions:
            consumer.seek(tp, starts[tp.partition])
        self._consumer = consumer
        self._task = asyncio.create_task(self._run(), name="graph-tail")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._consumer is not None:
            await self._consumer.stop()

    async def _run(self) -> None:
        assert self._consumer is not None
        consumer = self._consumer
        while True:
            if len(self.arrivals) >= self._max_waiting:
                # Memory stays bounded: the screener drains as it screens; read on once it has.
                await asyncio.sleep(0.05)
                continue
            try:
                batches = await consumer.getmany(timeout_ms=200, max_records=2000)
            except asyncio.CancelledError:
                raise
            except Exception:  # a broker hiccup must not end the tail; aiokafka reconnects
                log.exception("graph tail: fetch failed; retrying")
                await asyncio.sleep(1.0)
                continue
            for tp, records in batches.items():
                for record in records:
                    try:
                        transfer: TransferEvent | None = TransferEvent.model_validate_json(record.value or b"")
                    except ValidationError:
                        transfer = None  # the group consumer dead-letters it; the graph skips it
                    if transfer is not None and too_far_ahead(transfer, utc_now(), self._max_skew_s):
                        transfer = None  # held by its own screener; it must not move the window (event_time.py)
                    self.arrivals.arrive(tp.partition, record.offset, transfer)
            self._progress.set()

    async def catch_up(self, until: datetime, own: Collection[int] = ()) -> bool:
        """Wait until every partition but `own` is read up to event time `until` or to its current end.

        `own` are the partitions the batch came from: the group consumer delivers those itself, in
        order, so waiting for the tail to read them again would only add its fetch latency to every
        batch. Returns False when `wait_s` ran out first (the batch is then screened with what arrived).
        """
        if self._consumer is None:
            return True
        partitions = [TopicPartition(self._topic, p) for p in sorted(self.arrivals.next_offset) if p not in own]
        if not partitions:
            return True
        ends = {tp.partition: offset for tp, offset in (await self._consumer.end_offsets(partitions)).items()}
        deadline = time.monotonic() + self._wait_s
        while lagging := self.arrivals.lagging(until, ends):
            left = deadline - time.monotonic()
            if left <= 0:
                self.late_batches += 1
                log.warning(
                    "graph tail: partitions %s not read up to %s after %.1f s; screening with what arrived",
                    lagging,
                    until.isoformat(),
                    self._wait_s,
                )
                return False
            self._progress.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._progress.wait(), timeout=left)
        return True
