"""The ledger use case against SQLite and PostgreSQL: settlement, escrow, resolutions, waiting
decisions, idempotent re-application and restarts."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from schemas import Action, Resolution, TransferEvent
from services.database import create_engine
from services.ledger.adapters.tables import decisions, postings, transfers
from services.ledger.domain.transfer_state import Outcome
from services.ledger.ledger import Ledger
from tests.factories import party, transfer
from tests.ledger.builders import resolution, screening
from tests.ledger.ledger_state import balance, count, decision_rows, posting_kinds, transfer_row

pytestmark = pytest.mark.asyncio

ASSET = "PKTB-3M"


def _transfer(transfer_id: str, amount: str = "100", sender: str = "alice", receiver: str = "bob") -> TransferEvent:
    return transfer(
        transfer_id=transfer_id,
        asset=ASSET,
        amount=Decimal(amount),
        originator=party(sender),
        beneficiary=party(receiver),
    )


async def test_transfer_registers_pending_and_never_settles_without_a_decision(
    ledger: Ledger, engine: AsyncEngine
) -> None:
    report = await ledger.apply([_transfer("t-1")])
    assert report.registered == 1
    row = await transfer_row(engine, "t-1")
    assert (row.state, row.effective_decision_id, row.amount) == ("pending", None, Decimal(100))
    assert await posting_kinds(engine, "t-1") == []
    assert await balance(engine, "alice", ASSET) == (0, 0)


@pytest.mark.parametrize("action", [Action.ALLOW, Action.FLAG])
async def test_allow_and_flag_settle(ledger: Ledger, engine: AsyncEngine, action: Action) -> None:
    decision = screening("t-1", action)
    await ledger.apply([_transfer("t-1", "12.5")], [decision])
    row = await transfer_row(engine, "t-1")
    assert (row.state, row.effective_decision_id) == ("settled", decision.decision_id)
    assert await posting_kinds(engine, "t-1") == ["settle"]
    assert await balance(engine, "alice", ASSET) == (Decimal("-12.5"), 0)
    assert await balance(engine, "bob", ASSET) == (Decimal("12.5"), 0)


@pytest.mark.parametrize(
    ("outcome", "state", "alice", "bob", "kinds"),
    [
        (Resolution.RELEASE, "settled", (Decimal(-100), 0), (Decimal(100), 0), ["escrow", "unescrow", "settle"]),
        (Resolution.REJECT, "returned", (0, 0), (0, 0), ["escrow", "unescrow"]),
        (Resolution.FREEZE, "frozen", (0, Decimal(100)), (0, 0), ["escrow"]),
    ],
)
async def test_hold_escrows_until_resolved(
    ledger: Ledger,
    engine: AsyncEngine,
    outcome: Resolution,
    state: str,
    alice: tuple[Decimal, Decimal],
    bob: tuple[Decimal, Decimal],
    kinds: list[str],
) -> None:
    hold = screening("t-1", Action.HOLD)
    await ledger.apply([_transfer("t-1")], [hold])
    assert (await transfer_row(engine, "t-1")).state == "escrowed"
    assert await balance(engine, "alice", ASSET) == (0, Decimal(100))

    officer = resolution(hold, outcome)
    await ledger.apply(decisions=[officer])
    row = await transfer_row(engine, "t-1")
    assert (row.state, row.effective_decision_id) == (state, officer.decision_id)
    assert await balance(engine, "alice", ASSET) == alice
    assert await balance(engine, "bob", ASSET) == bob
    assert await posting_kinds(engine, "t-1") == kinds


async def test_redelivered_batch_changes_nothing(ledger: Ledger, engine: AsyncEngine) -> None:
    hold = screening("t-2", Action.HOLD)
    release = resolution(hold, Resolution.RELEASE)
    batch = ([_transfer("t-1"), _transfer("t-2", "7")], [screening("t-1"), hold, release])
    first = await ledger.apply(*batch)
    assert first.outcomes[Outcome.APPLIED] == 3
    again = await ledger.apply(*batch)
    assert (again.registered, again.repeated_transfers, again.repeated_decisions) == (0, 2, 3)
    assert sum(again.outcomes.values()) == 0
    assert await balance(engine, "alice", ASSET) == (Decimal(-107), 0)
    assert await balance(engine, "bob", ASSET) == (Decimal(107), 0)
    assert await count(engine, decisions) == 3
    assert await count(engine, postings) == 4


async def test_later_system_decision_is_recorded_as_an_ignored_duplicate(ledger: Ledger, engine: AsyncEngine) -> None:
    first = screening("t-1", Action.ALLOW)
    rescreen = screening("t-1", Action.HOLD, decision_id=uuid.uuid4())
    await ledger.apply([_transfer("t-1")], [first])
    report = await ledger.apply(decisions=[rescreen])
    assert report.outcomes == {Outcome.DUPLICATE: 1}
    rows = {r.decision_id: r for r in await decision_rows(engine, "t-1")}
    assert (rows[rescreen.decision_id].status, rows[rescreen.decision_id].applied) == ("duplicate", False)
    assert (await transfer_row(engine, "t-1")).state == "settled"
    assert await balance(engine, "alice", ASSET) == (Decimal(-100), 0)


async def test_resolution_for_a_transfer_that_is_not_held_is_recorded_and_rejected(
    ledger: Ledger, engine: AsyncEngine
) -> None:
    allow = screening("t-1")
    await ledger.apply([_transfer("t-1")], [allow])
    stray = resolution(allow, Resolution.REJECT)
    report = await ledger.apply(decisions=[stray])
    assert report.outcomes == {Outcome.REJECTED: 1}
    row = next(r for r in await decision_rows(engine, "t-1") if r.decision_id == stray.decision_id)
    assert (row.status, row.applied) == ("rejected", False)
    assert "not held" in row.note
    assert (await transfer_row(engine, "t-1")).state == "settled"
    assert await posting_kinds(engine, "t-1") == ["settle"]


async def test_decision_before_transfer_waits_and_applies_on_registration(ledger: Ledger, engine: AsyncEngine) -> None:
    hold = screening("t-1", Action.HOLD)
    release = resolution(hold, Resolution.RELEASE)
    report = await ledger.apply(decisions=[release, hold])
    assert report.outcomes == {Outcome.WAITING: 2}
    assert await transfer_row(engine, "t-1") is None
    assert await balance(engine, "alice", ASSET) == (0, 0)

    report = await ledger.apply([_transfer("t-1")])
    assert report.outcomes == {Outcome.APPLIED: 2}
    row = await transfer_row(engine, "t-1")
    assert (row.state, row.effective_decision_id) == ("settled", release.decision_id)
    assert {r.status for r in await decision_rows(engine, "t-1")} == {"applied"}
    assert await balance(engine, "alice", ASSET) == (Decimal(-100), 0)
    assert await balance(engine, "bob", ASSET) == (Decimal(100), 0)


async def test_decision_and_transfer_in_the_same_batch(ledger: Ledger, engine: AsyncEngine) -> None:
    await ledger.apply([_transfer("t-1")], [screening("t-1", Action.FLAG)])
    assert (await transfer_row(engine, "t-1")).state == "settled"


async def test_two_system_decisions_waiting_only_the_first_applies(ledger: Ledger, engine: AsyncEngine) -> None:
    hold = screening("t-1", Action.HOLD)
    later = screening("t-1", Action.ALLOW, decision_id=uuid.uuid4(), decided_at=hold.decided_at.replace(hour=13))
    await ledger.apply(decisions=[later, hold])
    await ledger.apply([_transfer("t-1")])
    statuses = {r.decision_id: r.status for r in await decision_rows(engine, "t-1")}
    assert statuses == {hold.decision_id: "applied", later.decision_id: "duplicate"}
    assert (await transfer_row(engine, "t-1")).state == "escrowed"


async def test_resolution_before_its_hold_waits_for_it(ledger: Ledger, engine: AsyncEngine) -> None:
    hold = screening("t-1", Action.HOLD)
    freeze = resolution(hold, Resolution.FREEZE)
    await ledger.apply([_transfer("t-1")], [freeze])
    assert (await transfer_row(engine, "t-1")).state == "pending"
    await ledger.apply(decisions=[hold])
    assert (await transfer_row(engine, "t-1")).state == "frozen"
    assert await balance(engine, "alice", ASSET) == (0, Decimal(100))


async def test_same_transfer_id_twice_keeps_the_first(ledger: Ledger, engine: AsyncEngine) -> None:
    report = await ledger.apply([_transfer("t-1", "5"), _transfer("t-1", "6")])
    assert (report.registered, report.repeated_transfers) == (1, 1)
    assert (await transfer_row(engine, "t-1")).amount == Decimal(5)
    assert await count(engine, transfers) == 1


async def test_idempotent_across_a_restart(database_url: str, engine: AsyncEngine) -> None:
    batch = ([_transfer("t-1", "0.000000000000000001")], [screening("t-1")])
    await Ledger(engine).apply(*batch)
    await engine.dispose()
    restarted = create_engine(database_url)
    try:
        report = await Ledger(restarted).apply(*batch)
        assert (report.repeated_transfers, report.repeated_decisions) == (1, 1)
        assert await balance(restarted, "bob", ASSET) == (Decimal("0.000000000000000001"), 0)
        assert await posting_kinds(restarted, "t-1") == ["settle"]
    finally:
        await restarted.dispose()


async def test_balances_may_go_negative_and_sum_exactly(ledger: Ledger, engine: AsyncEngine) -> None:
    amounts = ["0.1", "0.2", "99999999999999999999.999999999999999999"]
    batch = [_transfer(f"t-{i}", a) for i, a in enumerate(amounts)]
    await ledger.apply(batch, [screening(t.transfer_id) for t in batch])
    assert await balance(engine, "alice", ASSET) == (Decimal("-100000000000000000000.299999999999999999"), 0)
    assert await balance(engine, "bob", ASSET) == (Decimal("100000000000000000000.299999999999999999"), 0)
