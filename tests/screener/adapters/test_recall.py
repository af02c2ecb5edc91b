"""A replacement screener reads back the decisions published for transfers the group never committed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from schemas import Decision
from services.screener.adapters.recall import recall_decisions
from services.screener.domain.decide import Policy, screen
from services.screener.domain.rules import ScreeningContext
from services.screener.domain.watchlist import WatchlistSnapshot
from tests.factories import party, transfer
from tests.streams import fresh_topics, produce

pytestmark = [pytest.mark.kafka, pytest.mark.asyncio]

CTX = ScreeningContext(watchlist=WatchlistSnapshot.build("wl-1", []))
POLICY = Policy(version="p-1")
NOW = datetime(2026, 11, 23, tzinfo=UTC)


async def _commit_ends(bootstrap: str, topic: str, group: str) -> dict[int, int]:
    """Commit the group at the end of every partition, as if it had decided everything so far."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, n) for n in range(4)]
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        await consumer.commit(ends)
        return {tp.partition: offset for tp, offset in ends.items()}
    finally:
        await consumer.stop()


async def test_decisions_of_uncommitted_transfers_are_recalled_and_officers_are_not(kafka_bootstrap: str) -> None:
    names = await fresh_topics(kafka_bootstrap)
    group = f"g-{uuid.uuid4().hex[:6]}"
    early = [transfer(transfer_id=f"early-{i}", originator=party(f"acct-{i}")) for i in range(6)]
    await produce(kafka_bootstrap, names.transfers, [(t.partition_key, t.model_dump_json().encode()) for t in early])
    committed = await _commit_ends(kafka_bootstrap, names.transfers, group)
    assert sum(committed.values()) == len(early)
    # Everything committed: nothing can be redelivered, so nothing is read back.
    assert await recall_decisions(kafka_bootstrap, names.transfers, names.decisions, committed, idle_ms=500) == {}

    late = [transfer(transfer_id=f"late-{i}", originator=party(f"acct-{i}")) for i in range(6)]
    await produce(kafka_bootstrap, names.transfers, [(t.partition_key, t.model_dump_json().encode()) for t in late])
    decided = {t.transfer_id: screen(t, CTX, POLICY, NOW) for t in late}
    officer = decided["late-0"].model_copy(update={"decision_id": uuid.uuid4(), "decided_by": "officer-7"})
    records = [(b"late-0", officer.model_dump_json().encode()), (b"junk", b"not json")]
    records += [(d.transfer_id.encode(), d.model_dump_json().encode()) for d in decided.values()]
    await produce(kafka_bootstrap, names.decisions, records)

    recalled = await recall_decisions(kafka_bootstrap, names.transfers, names.decisions, committed, idle_ms=1000)
    assert set(recalled) == set(decided)
    assert recalled == decided  # the system decision, not the officer's published before it
    assert recalled["late-0"].decision_id == Decision.system_id("late-0")
