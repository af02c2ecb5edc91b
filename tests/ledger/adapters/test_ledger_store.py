"""The database's own guards: they hold even if the code above them were wrong."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from schemas import Action
from services.database import write_transaction
from services.ledger.adapters import ledger_store as store
from services.ledger.adapters.tables import transfers
from services.ledger.domain.batch_plan import PlannedPosting
from services.ledger.domain.transfer_state import Posting, TransferState, TransferStatus
from services.ledger.ledger import Ledger
from tests.factories import transfer
from tests.ledger.builders import screening
from tests.ledger.ledger_state import transfer_row

pytestmark = pytest.mark.asyncio

NOW = datetime(2026, 11, 2, tzinfo=UTC)


async def test_a_second_settle_posting_violates_the_unique_key(ledger: Ledger, engine: AsyncEngine) -> None:
    allow = screening("t-1")
    await ledger.apply([transfer(transfer_id="t-1")], [allow])
    with pytest.raises(IntegrityError):
        async with write_transaction(engine) as connection:
            await store.insert_postings(connection, [PlannedPosting("t-1", Posting.SETTLE, allow.decision_id)], NOW)


async def test_stale_state_is_refused(ledger: Ledger, engine: AsyncEngine) -> None:
    allow = screening("t-1")
    await ledger.apply([transfer(transfer_id="t-1")], [allow])
    hold = screening("t-1", Action.HOLD)
    escrow = TransferStatus(TransferState.ESCROWED, hold.decision_id)
    with pytest.raises(store.StaleTransferError):
        async with write_transaction(engine) as connection:
            await store.move_transfers(connection, [("t-1", TransferStatus(TransferState.PENDING), escrow)], NOW)
    assert (await transfer_row(engine, "t-1")).state == "settled"


async def test_unknown_state_is_refused_by_the_check_constraint(ledger: Ledger, engine: AsyncEngine) -> None:
    await ledger.apply([transfer(transfer_id="t-1")])
    with pytest.raises(IntegrityError):
        async with write_transaction(engine) as connection:
            await connection.execute(update(transfers).values(state="paid"))


async def test_failed_batch_rolls_back_entirely(ledger: Ledger, engine: AsyncEngine) -> None:
    class Boom(RuntimeError):
        pass

    with pytest.raises(Boom):
        async with write_transaction(engine) as connection:
            pending = TransferStatus(TransferState.PENDING)
            await store.insert_transfers(connection, [(transfer(transfer_id="t-1"), pending)], NOW)
            raise Boom
    assert await transfer_row(engine, "t-1") is None
