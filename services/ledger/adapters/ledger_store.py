"""Write side of the ledger database: every statement a batch needs, each a small function.

All functions run inside the caller's transaction (`database.write_transaction`); none
commits. State changes are compare-and-set updates, so a writer that somehow raced past the
locks fails its batch instead of applying a second outcome.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Table, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from schemas import Decision, TransferEvent
from services.ledger.adapters.tables import balances, decisions, postings, transfers
from services.ledger.domain.balances import ZERO, BalanceSheet, Movement, add
from services.ledger.domain.transfer_state import (
    Outcome,
    Posting,
    TransferState,
    TransferStatus,
    Transition,
)


class StaleTransferError(RuntimeError):
    """A transfer changed under us between read and write; the batch must be retried."""


def _insert(connection: AsyncConnection, table: Table) -> Any:
    # Both dialects spell upserts the same way, but through their own insert constructs.
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


async def lock_transfers(connection: AsyncConnection, transfer_ids: Iterable[str]) -> None:
    """Serialise writers per transfer id for the rest of the transaction.

    A transfer and its decision can be handled by two replicas at once (they come from
    different topics). Without a lock both could commit unaware of each other and leave
    the decision waiting forever. Locks are taken in sorted order so batches never deadlock.
    SQLite needs nothing: `BEGIN IMMEDIATE` already admits one writer at a time.
    """
    if connection.dialect.name != "postgresql":
        return
    lock = text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))")
    for transfer_id in sorted(set(transfer_ids)):
        await connection.execute(lock, {"key": f"aml-ledger:{transfer_id}"})


async def insert_transfer(connection: AsyncConnection, event: TransferEvent, now: datetime) -> bool:
    """Register a transfer as pending; False when its id is already registered."""
    statement = (
        _insert(connection, transfers)
        .values(
            transfer_id=event.transfer_id,
            asset=event.asset,
            amount=event.amount,
            originator_account=event.originator.account_id,
            beneficiary_account=event.beneficiary.account_id,
            state=TransferState.PENDING.value,
            effective_decision_id=None,
            registered_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["transfer_id"])
        .returning(transfers.c.transfer_id)
    )
    return (await connection.execute(statement)).first() is not None


async def find_transfer(connection: AsyncConnection, transfer_id: str) -> tuple[Movement, TransferStatus] | None:
    row = (await connection.execute(select(transfers).where(transfers.c.transfer_id == transfer_id))).first()
    if row is None:
        return None
    movement = Movement(row.asset, row.amount, row.originator_account, row.beneficiary_account)
    return movement, TransferStatus(TransferState(row.state), row.effective_decision_id)


async def insert_decision(
    connection: AsyncConnection, decision: Decision, transition: Transition, now: datetime
) -> bool:
    """Record a decision with its outcome; False when its id was recorded before."""
    statement = (
        _insert(connection, decisions)
        .values(
            decision_id=decision.decision_id,
            transfer_id=decision.transfer_id,
            action=decision.action.value,
            resolution=decision.resolution.value if decision.resolution else None,
            decided_by=decision.decided_by,
            decided_at=decision.decided_at,
            supersedes=decision.supersedes,
            status=transition.outcome.value,
            applied=transition.applied,
            note=transition.note,
            payload=decision.model_dump(mode="json"),
            received_at=now,
        )
        .on_conflict_do_nothing(index_elements=["decision_id"])
        .returning(decisions.c.decision_id)
    )
    return (await connection.execute(statement)).first() is not None


async def waiting_decisions(connection: AsyncConnection, transfer_id: str) -> list[Decision]:
    """Decisions parked for a transfer: screening outcomes first, then resolutions, by time."""
    rows = await connection.execute(
        select(decisions.c.payload)
        .where(decisions.c.transfer_id == transfer_id, decisions.c.status == Outcome.WAITING.value)
        .order_by(
            decisions.c.supersedes.is_not(None),
            decisions.c.decided_at,
            decisions.c.received_at,
            decisions.c.decision_id,
        )
    )
    return [Decision.model_validate(row.payload) for row in rows]


async def settle_decision(connection: AsyncConnection, decision_id: uuid.UUID, transition: Transition) -> None:
    """Give a waiting decision its final outcome."""
    await connection.execute(
        update(decisions)
        .where(decisions.c.decision_id == decision_id, decisions.c.status == Outcome.WAITING.value)
        .values(status=transition.outcome.value, applied=transition.applied, note=transition.note)
    )


async def move_transfer(
    connection: AsyncConnection,
    transfer_id: str,
    expected: TransferStatus,
    transition: Transition,
    now: datetime,
) -> None:
    """Compare-and-set the transfer's state; raises if it is no longer `expected`."""
    assert transition.state is not None
    result = await connection.execute(
        update(transfers)
        .where(
            transfers.c.transfer_id == transfer_id,
            transfers.c.state == expected.state.value,
            transfers.c.effective_decision_id.is_not_distinct_from(expected.effective_decision_id),
        )
        .values(
            state=transition.state.value,
            effective_decision_id=transition.effective_decision_id,
            updated_at=now,
        )
    )
    if result.rowcount != 1:
        raise StaleTransferError(f"transfer {transfer_id} is no longer {expected}")


async def insert_postings(
    connection: AsyncConnection,
    transfer_id: str,
    decision_id: uuid.UUID,
    kinds: Iterable[Posting],
    now: datetime,
) -> None:
    rows = [
        {"transfer_id": transfer_id, "kind": kind.value, "decision_id": decision_id, "posted_at": now} for kind in kinds
    ]
    if rows:
        # A plain insert on purpose: a second posting of a kind violates the unique key and
        # fails the whole batch rather than moving money twice.
        await connection.execute(postings.insert(), rows)


async def apply_balances(connection: AsyncConnection, sheet: BalanceSheet, now: datetime) -> None:
    """Add the batch's net deltas to the balance rows (read, add in Decimal, write)."""
    key = (balances.c.account_id, balances.c.asset)
    for delta in sheet:
        await connection.execute(
            _insert(connection, balances)
            .values(account_id=delta.account_id, asset=delta.asset, balance=ZERO, escrowed=ZERO, updated_at=now)
            .on_conflict_do_nothing(index_elements=["account_id", "asset"])
        )
        where = (key[0] == delta.account_id, key[1] == delta.asset)
        row = (await connection.execute(select(balances).where(*where).with_for_update())).one()
        await connection.execute(
            update(balances)
            .where(*where)
            .values(
                balance=add(row.balance, delta.balance),
                escrowed=add(row.escrowed, delta.escrowed),
                updated_at=now,
            )
        )
