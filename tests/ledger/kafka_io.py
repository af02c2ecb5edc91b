"""Kafka helpers for the ledger's integration tests: private topics, producing, polling."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from aiokafka import AIOKafkaProducer

from schemas import Decision
from services.ledger.settings import LedgerSettings
from tests.factories import party, transfer_json
from tests.support.kafka import create_topics as create_kafka_topics
from tests.support.kafka import unique_name

T = TypeVar("T")


@dataclass(frozen=True)
class LedgerTopics:
    transfers: str
    decisions: str


async def create_topics(bootstrap: str, partitions: int = 4) -> LedgerTopics:
    """Fresh topics for one test, at their final size (the ledger never declares topics itself)."""
    topics = LedgerTopics(unique_name("ledger-test.transfers"), unique_name("ledger-test.decisions"))
    await create_kafka_topics(bootstrap, [topics.transfers, topics.decisions], partitions)
    return topics


async def produce(bootstrap: str, topic: str, records: Iterable[tuple[str | None, bytes]]) -> int:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        sent = [await producer.send(topic, value, key=key.encode() if key else None) for key, value in records]
        await asyncio.gather(*sent)
        return len(sent)
    finally:
        await producer.stop()


def ledger_settings(bootstrap: str, topics: LedgerTopics, database: Path, **overrides: Any) -> LedgerSettings:
    values: dict[str, Any] = {
        "database_url": f"sqlite+aiosqlite:///{database}",
        "kafka_bootstrap_servers": bootstrap,
        "kafka_group_id": f"ledger-test-{uuid.uuid4().hex[:8]}",
        "transfers_topic": topics.transfers,
        "decisions_topic": topics.decisions,
        "kafka_session_timeout_ms": 6000,
        "kafka_heartbeat_interval_ms": 500,
        "batch_timeout_ms": 50,
        "retry_backoff_seconds": 0.2,
        "http_port": 0,
        "log_level": "WARNING",
    }
    values.update(overrides)
    return LedgerSettings(**values)


async def eventually(probe: Callable[[], Awaitable[T]], done: Callable[[T], bool], within: float = 60.0) -> T:
    """Poll `probe` until `done` holds; on timeout fail with the last value seen."""
    deadline = time.monotonic() + within
    while True:
        value = await probe()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within}s; last value: {value!r}")
        await asyncio.sleep(0.2)


def transfer_record(tid: str, amount: str, sender: str = "alice", receiver: str = "bob") -> tuple[str, bytes]:
    """A transfer as the ingest publishes it: keyed by the originator's account."""
    body = transfer_json(
        transfer_id=tid, asset="USDT", amount=Decimal(amount), originator=party(sender), beneficiary=party(receiver)
    )
    return sender, body


def decision_record(decision: Decision) -> tuple[str, bytes]:
    """A decision as the screener (or the casedesk) publishes it: keyed by transfer id."""
    return decision.transfer_id, decision.model_dump_json().encode()
