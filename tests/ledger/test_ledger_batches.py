"""Set-based batches against SQLite and PostgreSQL: a transfer with its whole decision history in
one batch, duplicates inside a batch, and batches of a thousand transfers."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from schemas import Action, Decision, Resolution, TransferEvent
from schemas.common import utc_now
from services.database import write_transaction
from services.ledger.adapters import ledger_store as store
from services.ledger.adapters.tables import decisions, postings, transfers
from services.ledger.domain.balances import ZERO
from services.ledger.domain.transfer_state import Outcome, TransferState, TransferStatus, Transition
from services.ledger.ledger import Ledger
from tests.factories import party, transfer
from tests.ledger.builders import resolution, screening
from tests.ledger.ledger_state import balance, count, decision_rows, posting_kinds, transfer_row

pytestmark = pytest.mark.asyncio

ASSET = "USDT"
ACTIONS = (Action.ALLOW, Action.FLAG, Action.HOLD)


def _transfer(transfer_id: str, amount: str = "1.25", sender: str = "alice", receiver: str = "bob") -> TransferEvent:
    return transfer(
        transfer_id=transfer_id,
        asset=ASSET,
        amount=Decimal(amount),
        originator=party(sender),
        beneficiary=party(receiver),
    )


@pytest.mark.parametrize("order", ["hold first", "release first"])
async def test_transfer_hold_and_release_in_one_batch(ledger: Ledger, engine: AsyncEngine, order: str) -> None:
    hold = screening("t-1", Action.HOLD)
    release = resolution(hold, Resolution.RELEASE)
    batch = [hold, release] if order == "hold first" else [release, hold]
    report = await ledger.apply([_transfer("t-1", "100")], batch)
    assert report.outcomes[Outcome.APPLIED] == 2
    row = await transfer_row(engine, "t-1")
    assert (row.state, row.effective_decision_id) == ("settled", release.decision_id)
    assert await posting_kinds(engine, "t-1") == ["escrow", "unescrow", "settle"]
    assert {r.decision_id: r.status for r in await decision_rows(engine, "t-1")} == {
        hold.decision_id: "applied",
        release.decision_id: "applied",
    }
    assert await balance(engine, "alice", ASSET) == (Decimal(-100), ZERO)
    assert await balance(engine, "bob", ASSET) == (Decimal(100), ZERO)


async def test_copies_of_a_decision_in_one_batch_apply_once(ledger: Ledger, engine: AsyncEngine) -> None:
    hold = screening("t-1", Action.HOLD)
    reject = resolution(hold, Resolution.REJECT)
    report = await ledger.apply([_transfer("t-1"), _transfer("t-1")], [hold, reject, hold, reject, hold])
    assert (report.registered, report.repeated_transfers, report.repeated_decisions) == (1, 1, 3)
    assert report.outcomes == {Outcome.APPLIED: 2}
    assert (await transfer_row(engine, "t-1")).state == "returned"
    assert await posting_kinds(engine, "t-1") == ["escrow", "unescrow"]
    assert await count(engine, decisions) == 2
    assert await balance(engine, "alice", ASSET) == (ZERO, ZERO)


async def test_a_parked_resolution_applies_when_its_hold_arrives_with_a_copy_of_it(
    ledger: Ledger, engine: AsyncEngine
) -> None:
    hold = screening("t-1", Action.HOLD)
    freeze = resolution(hold, Resolution.FREEZE)
    await ledger.apply(decisions=[freeze])
    report = await ledger.apply([_transfer("t-1")], [freeze, hold, freeze])
    assert report.repeated_decisions == 2
    assert (await transfer_row(engine, "t-1")).state == "frozen"
    rows = {r.decision_id: r for r in await decision_rows(engine, "t-1")}
    assert rows[freeze.decision_id].note == "applied after waiting for its transfer or hold"


def _thousand(prefix: str) -> tuple[list[TransferEvent], list[Decision]]:
    events = [_transfer(f"{prefix}-{i}", sender=f"s-{i % 37}", receiver=f"r-{i % 41}") for i in range(1000)]
    verdicts = [screening(t.transfer_id, ACTIONS[i % 3]) for i, t in enumerate(events)]
    return events, verdicts


async def test_a_thousand_transfers_and_decisions_in_one_batch(ledger: Ledger, engine: AsyncEngine) -> None:
    events, verdicts = _thousand("t")
    releases = [resolution(d, Resolution.RELEASE) for d in verdicts[2::6]]
    report = await ledger.apply(events, verdicts + releases)
    held = len(verdicts[2::3]) - len(releases)
    settled = len(events) - held
    assert (report.registered, report.outcomes[Outcome.APPLIED]) == (1000, 1000 + len(releases))
    assert await count(engine, postings) == settled + len(verdicts[2::3]) + len(releases)
    senders = [await balance(engine, f"s-{i}", ASSET) for i in range(37)]
    assert sum(b for b, _ in senders) == Decimal("-1.25") * settled
    assert sum(e for _, e in senders) == Decimal("1.25") * held

    again = await ledger.apply(events, verdicts + releases)
    assert (again.repeated_transfers, again.repeated_decisions) == (1000, 1000 + len(releases))
    assert await count(engine, postings) == settled + len(verdicts[2::3]) + len(releases)


async def test_a_thousand_decisions_waiting_for_their_transfers(ledger: Ledger, engine: AsyncEngine) -> None:
    events, verdicts = _thousand("w")
    assert (await ledger.apply(decisions=verdicts)).outcomes == {Outcome.WAITING: 1000}
    report = await ledger.apply(events)
    assert report.outcomes == {Outcome.APPLIED: 1000}
    assert await count(engine, transfers) == 1000
    statuses = {r.status for i in range(0, 1000, 97) for r in await decision_rows(engine, f"w-{i}")}
    assert statuses == {"applied"}
    assert (await transfer_row(engine, "w-2")).state == "escrowed"


async def test_bulk_guards_refuse_rows_that_changed_under_the_batch(ledger: Ledger, engine: AsyncEngine) -> None:
    allow = screening("t-1")
    await ledger.apply([_transfer("t-1"), _transfer("t-2")], [allow])
    pending = TransferStatus(TransferState.PENDING)
    settled = TransferStatus(TransferState.SETTLED, uuid.uuid4())
    with pytest.raises(store.StaleTransferError):
        async with write_transaction(engine) as connection:
            # t-2 is still pending, t-1 is not: one stale row fails the whole statement.
            await store.move_transfers(connection, [("t-2", pending, settled), ("t-1", pending, settled)], utc_now())
    assert (await transfer_row(engine, "t-2")).state == "pending"
    with pytest.raises(store.StaleTransferError):
        async with write_transaction(engine) as connection:
            await store.insert_transfers(
                connection, [(_transfer("t-3"), pending), (_transfer("t-1"), pending)], utc_now()
            )
    assert await transfer_row(engine, "t-3") is None
    with pytest.raises(store.StaleTransferError):
        async with write_transaction(engine) as connection:
            await store.insert_decisions(connection, [(allow, Transition(Outcome.DUPLICATE, None, None))], utc_now())
    assert [r.status for r in await decision_rows(engine, "t-1")] == ["applied"]
