"""The Kafka edge without a broker: FastStream's in-memory TestKafkaBroker runs the real
subscriber (raw records, batch handler) against a real database."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from faststream.kafka import TestKafkaBroker
from sqlalchemy.ext.asyncio import AsyncEngine

from schemas import Action, Decision, TransferEvent
from services.ledger.adapters.kafka_records import ParsedBatch
from services.ledger.consumer import BatchHandler, ConsumerStatus, build_broker
from services.ledger.ledger import BatchReport, Ledger
from services.ledger.settings import LedgerSettings
from tests.factories import transfer_json
from tests.ledger.builders import screening
from tests.ledger.ledger_state import transfer_row

pytestmark = pytest.mark.asyncio

SETTINGS = LedgerSettings(transfers_topic="in.transfers", decisions_topic="in.decisions", retry_backoff_seconds=0)


async def test_records_flow_into_the_ledger_and_bad_ones_are_skipped(engine: AsyncEngine) -> None:
    status = ConsumerStatus()
    broker = build_broker(SETTINGS, BatchHandler(Ledger(engine), SETTINGS, status))
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish_batch(
            screening("t-1", Action.HOLD).model_dump_json().encode(), b"{broken", topic=SETTINGS.decisions_topic
        )
        await test_broker.publish_batch(
            transfer_json(transfer_id="t-1"), b"[]", transfer_json(transfer_id="t-2"), topic=SETTINGS.transfers_topic
        )
        await test_broker.publish(b"", topic=SETTINGS.transfers_topic)
    assert (await transfer_row(engine, "t-1")).state == "escrowed"
    assert (await transfer_row(engine, "t-2")).state == "pending"
    assert (status.batches, status.records, status.skipped, status.failures) == (3, 6, 3, 0)


class _BrokenLedger:
    async def apply(self, transfers: Sequence[TransferEvent] = (), decisions: Sequence[Decision] = ()) -> BatchReport:
        raise ConnectionError("database is down")


async def test_a_failed_batch_raises_so_it_is_not_committed() -> None:
    status = ConsumerStatus()
    handler = BatchHandler(_BrokenLedger(), SETTINGS, status)  # type: ignore[arg-type]
    record: Any = type("R", (), {"topic": SETTINGS.transfers_topic, "partition": 0, "offset": 0})()
    record.value = transfer_json(transfer_id="t-1")
    with pytest.raises(ConnectionError):
        await handler((record,))
    assert (status.failures, status.batches) == (1, 0)
    assert status.last_error == "ConnectionError: database is down"


async def test_a_value_the_database_refuses_is_set_aside_and_the_rest_of_the_batch_applied(engine: AsyncEngine) -> None:
    # The contract refuses NULs, so this transfer is built past validation, as a bug upstream might.
    good = TransferEvent.model_validate_json(transfer_json(transfer_id="t-good"))
    poisoned = good.model_copy(update={"transfer_id": "t-nul", "asset": "US\x00DT"})
    status = ConsumerStatus()
    handler = BatchHandler(Ledger(engine), SETTINGS, status)
    await handler.apply(ParsedBatch(transfers=[poisoned, good]), records=2)
    assert (await transfer_row(engine, "t-good")).state == "pending"
    if engine.dialect.name == "postgresql":  # PostgreSQL text cannot hold a NUL: the batch would fail forever
        assert status.skipped == 1 and status.failures == 0
    else:
        assert status.skipped == 0 and (await transfer_row(engine, "t-nul")).state == "pending"
    assert status.batches == 1 and not status.stuck


async def test_a_batch_that_keeps_failing_is_reported_stuck_until_one_succeeds(engine: AsyncEngine) -> None:
    status = ConsumerStatus()
    broken = BatchHandler(_BrokenLedger(), SETTINGS, status)  # type: ignore[arg-type]
    batch = ParsedBatch(transfers=[TransferEvent.model_validate_json(transfer_json(transfer_id="t-1"))])
    for attempt in range(3):
        assert not status.stuck, attempt
        with pytest.raises(ConnectionError):
            await broken.apply(batch, records=1)
    assert status.stuck and status.consecutive_failures == 3
    await BatchHandler(Ledger(engine), SETTINGS, status).apply(batch, records=1)
    assert not status.stuck and status.last_error is None
