"""Replicas racing on the same database (SQLite and PostgreSQL): nothing settles twice and no
decision is left waiting behind a transfer registered at the same moment."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine

from schemas import Action, Resolution, TransferEvent
from services.database import create_engine
from services.ledger.domain.transfer_state import Outcome
from services.ledger.ledger import Ledger
from tests.factories import party, transfer
from tests.ledger.builders import resolution, screening
from tests.ledger.ledger_state import balance, decision_rows, posting_kinds, transfer_row

pytestmark = pytest.mark.asyncio

REPLICAS = 4


@pytest_asyncio.fixture
async def replicas(database_url: str, engine: AsyncEngine) -> AsyncIterator[list[Ledger]]:
    """Ledgers with their own engines (own pools), as separate processes would have."""
    engines = [create_engine(database_url) for _ in range(REPLICAS)]
    try:
        yield [Ledger(e) for e in engines]
    finally:
        for e in engines:
            await e.dispose()


def _transfer(transfer_id: str, amount: str = "10") -> TransferEvent:
    return transfer(
        transfer_id=transfer_id, asset="USDT", amount=Decimal(amount), originator=party("a"), beneficiary=party("b")
    )


async def test_same_decision_applied_concurrently_settles_once(replicas: list[Ledger], engine: AsyncEngine) -> None:
    await replicas[0].apply([_transfer("t-1")])
    allow = screening("t-1")
    reports = await asyncio.gather(*(r.apply(decisions=[allow]) for r in replicas * 2))
    assert sum(r.outcomes[Outcome.APPLIED] for r in reports) == 1
    assert sum(r.repeated_decisions for r in reports) == 2 * REPLICAS - 1
    assert await posting_kinds(engine, "t-1") == ["settle"]
    assert await balance(engine, "a", "USDT") == (Decimal(-10), 0)
    assert await balance(engine, "b", "USDT") == (Decimal(10), 0)


async def test_rival_system_decisions_racing_apply_exactly_one(replicas: list[Ledger], engine: AsyncEngine) -> None:
    await replicas[0].apply([_transfer("t-1")])
    rivals = [screening("t-1", Action.ALLOW)] + [
        screening("t-1", Action.HOLD, decision_id=uuid.uuid4()) for _ in range(REPLICAS - 1)
    ]
    await asyncio.gather(*(r.apply(decisions=[d]) for r, d in zip(replicas, rivals, strict=True)))
    statuses = sorted(row.status for row in await decision_rows(engine, "t-1"))
    assert statuses == ["applied"] + ["duplicate"] * (REPLICAS - 1)
    kinds = await posting_kinds(engine, "t-1")
    state = (await transfer_row(engine, "t-1")).state
    assert (state, kinds) in [("settled", ["settle"]), ("escrowed", ["escrow"])]


async def test_racing_resolutions_resolve_a_hold_once(replicas: list[Ledger], engine: AsyncEngine) -> None:
    hold = screening("t-1", Action.HOLD)
    await replicas[0].apply([_transfer("t-1")], [hold])
    outcomes = [Resolution.RELEASE, Resolution.REJECT, Resolution.FREEZE, Resolution.RELEASE]
    officers = [resolution(hold, o, officer=f"officer-{i}") for i, o in enumerate(outcomes)]
    await asyncio.gather(*(r.apply(decisions=[d]) for r, d in zip(replicas, officers, strict=True)))
    rows = await decision_rows(engine, "t-1")
    assert sorted(r.status for r in rows) == ["applied", "applied", "rejected", "rejected", "rejected"]
    assert (await transfer_row(engine, "t-1")).state in {"settled", "returned", "frozen"}
    kinds = await posting_kinds(engine, "t-1")
    assert kinds.count("settle") <= 1 and kinds.count("unescrow") <= 1


async def test_transfer_and_its_decision_arriving_together_never_strand_the_decision(
    replicas: list[Ledger], engine: AsyncEngine
) -> None:
    ids = [f"t-{i}" for i in range(12)]
    for tid in ids:
        await asyncio.gather(
            replicas[0].apply([_transfer(tid)]),
            replicas[1].apply(decisions=[screening(tid)]),
        )
    for tid in ids:
        assert (await transfer_row(engine, tid)).state == "settled", tid
    assert await balance(engine, "b", "USDT") == (Decimal(10 * len(ids)), 0)


async def test_same_batch_on_two_replicas_after_a_rebalance(replicas: list[Ledger], engine: AsyncEngine) -> None:
    transfers = [_transfer(f"t-{i}", "1.5") for i in range(40)]
    decisions = [screening(t.transfer_id, Action.HOLD if i % 4 == 0 else Action.ALLOW) for i, t in enumerate(transfers)]
    await asyncio.gather(*(r.apply(transfers, decisions) for r in replicas))
    held = len(transfers[::4])
    settled = len(transfers) - held
    assert await balance(engine, "a", "USDT") == (Decimal("-1.5") * settled, Decimal("1.5") * held)
    assert await balance(engine, "b", "USDT") == (Decimal("1.5") * settled, 0)


async def test_large_overlapping_batches_on_every_replica_apply_each_decision_once(
    replicas: list[Ledger], engine: AsyncEngine
) -> None:
    transfers = [_transfer(f"t-{i}", "2") for i in range(300)]
    holds = [screening(t.transfer_id, Action.HOLD) for t in transfers[::2]]
    allows = [screening(t.transfer_id) for t in transfers[1::2]]
    releases = [resolution(h, Resolution.RELEASE) for h in holds[::3]]
    # Each replica sees the same records in its own order and slice, as after rebalances.
    batches = [
        (transfers[i * 50 :], (allows + holds + releases)[i::1] if i % 2 else releases + holds[::-1] + allows)
        for i in range(REPLICAS)
    ]
    await asyncio.gather(*(r.apply(*batch) for r, batch in zip(replicas, batches, strict=True)))
    await replicas[0].apply(transfers)
    settled = len(allows) + len(releases)
    escrowed = len(holds) - len(releases)
    assert await balance(engine, "a", "USDT") == (Decimal(-2 * settled), Decimal(2 * escrowed))
    assert await balance(engine, "b", "USDT") == (Decimal(2 * settled), Decimal(0))
    for hold in holds[::3]:
        assert await posting_kinds(engine, hold.transfer_id) == ["escrow", "unescrow", "settle"]
