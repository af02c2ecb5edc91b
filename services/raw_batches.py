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
from typing import Any

from faststream import AckPolicy
from faststream.kafka import KafkaBroker, Topic
from faststream.kafka.message import KafkaMessage


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
