"""One way to consume topics at least once, as raw records, in batches (ledger, case desk).

The records arrive undecoded: if FastStream decoded them, one malformed record would fail the whole
batch, and a batch that always fails is a consumer that never moves again; each service parses its own
records and sets aside what will not parse. `AckPolicy.NACK_ON_ERROR` gives the order that makes this at
least once in FastStream 0.7.8: the batch's positions are committed after the handler returned, and an
exception seeks every partition back to the batch's first record, so the batch is read again.
`AckPolicy.ACK` would be wrong: it commits even when the handler raised, losing the batch.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from faststream import AckPolicy
from faststream.kafka import KafkaBroker, Topic
from faststream.kafka.message import KafkaMessage

STUCK_AFTER = 3
"""Failed attempts at one batch after which a consumer's /healthz reports it as stuck."""


@dataclass
class BatchHealth:
    """What a batch consumer's /healthz reports: batches done, records set aside, and the failures of the batch
    now in hand (it is read again after each, so while they grow the consumer stands still)."""

    batches: int = 0
    skipped: int = 0
    """Records set aside: unreadable, or refused (logged with their coordinates)."""
    failures: int = 0
    consecutive_failures: int = 0
    last_error: str | None = None

    @property
    def stuck(self) -> bool:
        return self.consecutive_failures >= STUCK_AFTER

    def failed(self, exc: BaseException) -> None:
        self.failures += 1
        self.consecutive_failures += 1
        self.last_error = f"{type(exc).__name__}: {exc}"[:500]

    def succeeded(self, skipped: int) -> None:
        self.batches += 1
        self.skipped += skipped
        self.consecutive_failures, self.last_error = 0, None


async def _undecoded(message: KafkaMessage) -> Any:
    # aiokafka batches are tuples; FastStream's TestKafkaBroker hands over a list.
    raw = message.raw_message
    return tuple(raw) if isinstance(raw, tuple | list) else (raw,)


def raw_batch_broker(
    bootstrap: str,
    topics: Sequence[str],
    group_id: str,
    handle: Callable[[tuple[Any, ...]], Awaitable[None]],
    *,
    logger_name: str,
    max_records: int = 500,
    batch_timeout_ms: int = 100,
    session_timeout_ms: int = 10_000,
    heartbeat_interval_ms: int = 3_000,
) -> KafkaBroker:
    """A consumer-only broker whose one subscriber hands `handle` each batch of raw records."""
    kafka_log = logging.getLogger(logger_name)
    # WARNING keeps FastStream's errors visible without a log line per message;
    # logger=None would swallow handler errors silently.
    kafka_log.setLevel(logging.WARNING)
    broker = KafkaBroker(bootstrap, consumer_only=True, logger=kafka_log)
    subscriber = broker.subscriber(
        # declare=False: the topics are provisioned with their partitions by the launcher;
        # FastStream would otherwise create missing ones with a single partition.
        *(Topic(name, declare=False) for name in topics),
        group_id=group_id,
        batch=True,
        max_records=max_records,
        batch_timeout_ms=batch_timeout_ms,
        auto_offset_reset="earliest",
        session_timeout_ms=session_timeout_ms,
        heartbeat_interval_ms=heartbeat_interval_ms,
        ack_policy=AckPolicy.NACK_ON_ERROR,
        decoder=_undecoded,
    )

    @subscriber
    async def on_batch(records: Any) -> None:
        await handle(records)

    return broker
