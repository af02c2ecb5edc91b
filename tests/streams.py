"""Kafka helpers for integration tests: fresh topics per test, produce, and consume-and-count."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from services.broker import ensure_topics


@dataclass(frozen=True)
class Topics:
    transfers: str
    decisions: str
    dlq: str
    suffix: str


async def fresh_topics(bootstrap: str) -> Topics:
    suffix = uuid.uuid4().hex[:8]
    names = Topics(f"t.transfers.{suffix}", f"t.decisions.{suffix}", f"t.dlq.{suffix}", suffix)
    await ensure_topics(bootstrap, {names.transfers: 4, names.decisions: 4, names.dlq: 1})
    return names


async def produce(bootstrap: str, topic: str, records: Iterable[tuple[bytes | None, bytes]]) -> int:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        futures = [await producer.send(topic, value, key=key) for key, value in records]
        await asyncio.gather(*futures)
        return len(futures)
    finally:
        await producer.stop()


async def consume_until(
    bootstrap: str, topic: str, done: Callable[[list[Any]], bool], within: float = 60.0
) -> list[Any]:
    """Read `topic` from the start until `done(records)` holds; raises on timeout with what was seen."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    seen: list[Any] = []
    deadline = time.monotonic() + within
    try:
        while not done(seen):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{topic}: condition not met after {within}s with {len(seen)} records")
            batches = await consumer.getmany(timeout_ms=300)
            for records in batches.values():
                seen.extend(records)
        return seen
    finally:
        await consumer.stop()
