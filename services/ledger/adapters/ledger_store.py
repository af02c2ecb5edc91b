"""Write side of the ledger database: a planned batch written in a handful of bulk statements.

All functions run inside the caller's transaction (`database.write_transaction`); none
commits. Rows are written many at a time (executemany on SQLite, one statement over
`unnest()`ed arrays on PostgreSQL, see `pg_bulk`), so a batch costs about ten round trips
whatever its size. The database still guards every
write on its own: inserts that meet an existing id and state changes whose compare-and-set
finds another state fail the batch instead of applying a second outcome, and a second
posting of a kind for a transfer violates a unique key.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, Uuid, bindparam, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from schemas import Decision, TransferEvent
from services.ledger.adapters.pg_bulk import insert_unnested
from services.ledger.adapters.tables import decisions, postings, transfers
from services.ledger.domain.batch_plan import PlannedPosting
from services.ledger.domain.transfer_state import Outcome, TransferStatus, Transition


class StaleTransferError(RuntimeError):
    """A row changed under us between read and write; the batch must be retried."""


def insert_for(connection: AsyncConnection, table: Table) -> Any:
    # Both dialects spell upserts the same way, but through their own insert constructs.
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


async def lock_transfers(connection: AsyncConnection, transfer_ids: Iterable[str]) -> None:
    """Serialise writers per transfer id for the rest of the transaction.

    A transfer and its decision can be handled by two replicas at once (they come from
    different topics). Without a lock both could commit unaware of each other and leave
    the decision waiting forever. Locks are taken in sorted order so batches never deadlock:
    unnest() yields the array in order and the function runs once per row as it is scanned.
    SQLite needs nothing: `BEGIN IMMEDIATE` already admits one writer at a time.
    """
    if connection.dialect.name != "postgresql":
        return
    keys = [f"aml-ledger:{transfer_id}" for transfer_id in sorted(set(transfer_ids))]
    lock = text("SELECT pg_advisory_xact_lock(hashtextextended(key, 0)) FROM unnest(CAST(:keys AS text[])) AS key")
    await connection.execute(lock, {"keys": keys})


async def insert_transfers(
    connection: AsyncConnection, rows: Sequence[tuple[TransferEvent, TransferStatus]], now: datetime
) -> None:
    """Register new transfers, each directly in the status its batch leaves it in."""
    params = [
        {
            "transfer_id": event.transfer_id,
            "exchange_id": event.exchange_id,
            "asset": event.asset,
            "amount": event.amount,
            "originator_account": event.originator.account_id,
            "beneficiary_account": event.beneficiary.account_id,
            "state": status.state.value,
            "effective_decision_id": status.effective_decision_id,
            "registered_at": now,
            "updated_at": now,
        }
        for event, status in rows
    ]
    await _insert_new(connection, transfers, "transfer_id", params)


async def insert_decisions(
    connection: AsyncConnection, rows: Sequence[tuple[Decision, Transition]], now: datetime
) -> None:
    """Record new decisions, each with its last verdict of the batch."""
    params = [
        {
            "decision_id": decision.decision_id,
            "transfer_id": decision.transfer_id,
            "action": decision.action.value,
            "resolution": decision.resolution.value if decision.resolution else None,
            "decided_by": decision.decided_by,
            "decided_at": decision.decided_at,
            "supersedes": decision.supersedes,
            "status": transition.outcome.value,
            "applied": transition.applied,
            "note": transition.note,
            "payload": decision.model_dump(mode="json"),
            "received_at": now,
        }
        for decision, transition in rows
    ]
    await _insert_new(connection, decisions, "decision_id", params)


async def _insert_new(connection: AsyncConnection, table: Table, key: str, params: list[dict[str, Any]]) -> None:
    if not params:
        return
    if connection.dialect.name == "postgresql":
        inserted = await insert_unnested(connection, table, params, conflict=key, returning=key)
    else:
        # sqlite3 sums the rows an executemany changed, so no RETURNING (which would make
        # SQLAlchemy render one multi-row statement per batch size) is needed to count them.
        statement = insert_for(connection, table).on_conflict_do_nothing(index_elements=[key])
        inserted = (await connection.execute(statement, params)).rowcount
    # The batch read these ids as absent under its locks; one present now means another writer
    # got past the locks, and the batch must be read again rather than half-applied.
    if inserted != len(params):
        raise StaleTransferError(f"{len(params) - inserted} {key}(s) of this batch were recorded concurrently")


async def settle_decisions(connection: AsyncConnection, rows: Sequence[tuple[uuid.UUID, Transition]]) -> None:
    """Give parked decisions (stored by earlier batches) their new verdict."""
    if not rows:
        return
    statement = (
        update(decisions)
        .where(decisions.c.decision_id == bindparam("key"), decisions.c.status == Outcome.WAITING.value)
        .values(status=bindparam("new_status"), applied=bindparam("new_applied"), note=bindparam("new_note"))
    )
    params = [
        {"key": key, "new_status": t.outcome.value, "new_applied": t.applied, "new_note": t.note} for key, t in rows
    ]
    await connection.execute(statement, params)


async def move_transfers(
    connection: AsyncConnection, moves: Sequence[tuple[str, TransferStatus, TransferStatus]], now: datetime
) -> None:
    """Compare-and-set stored transfers from the status read to the planned one; raises if any moved meanwhile."""
    if not moves:
        return
    if connection.dialect.name == "postgresql":
        # asyncpg's executemany reports no row counts, so one UPDATE … FROM unnest(…) with
        # RETURNING tells which rows matched their expected status.
        result = await connection.execute(_MOVE_UNNESTED, {"now": now, **_move_params(moves)})
        changed = len(result.all())
    else:
        statement = (
            update(transfers)
            .where(
                transfers.c.transfer_id == bindparam("key"),
                transfers.c.state == bindparam("old_state"),
                transfers.c.effective_decision_id.is_not_distinct_from(bindparam("old_eff", type_=Uuid())),
            )
            .values(state=bindparam("new_state"), effective_decision_id=bindparam("new_eff"), updated_at=now)
        )
        params = [
            {
                "key": key,
                "old_state": old.state.value,
                "old_eff": old.effective_decision_id,
                "new_state": new.state.value,
                "new_eff": new.effective_decision_id,
            }
            for key, old, new in moves
        ]
        changed = (await connection.execute(statement, params)).rowcount
    if changed != len(moves):
        raise StaleTransferError(f"{len(moves) - changed} transfer(s) no longer in the state the batch read")


# A fixed statement text, so SQLAlchemy compiles it once and asyncpg prepares it once; the
# moves travel as five arrays that unnest() zips back into rows.
_MOVE_UNNESTED = text(
    """
    UPDATE ledger_transfers AS t
    SET state = m.new_state, effective_decision_id = m.new_eff, updated_at = :now
    FROM unnest(
        CAST(:keys AS text[]), CAST(:old_states AS text[]), CAST(:old_effs AS uuid[]),
        CAST(:new_states AS text[]), CAST(:new_effs AS uuid[])
    ) AS m(key, old_state, old_eff, new_state, new_eff)
    WHERE t.transfer_id = m.key AND t.state = m.old_state AND t.effective_decision_id IS NOT DISTINCT FROM m.old_eff
    RETURNING t.transfer_id
    """
).bindparams(bindparam("now", type_=transfers.c.updated_at.type))


def _move_params(moves: Sequence[tuple[str, TransferStatus, TransferStatus]]) -> dict[str, Any]:
    return {
        "keys": [key for key, _, _ in moves],
        "old_states": [old.state.value for _, old, _ in moves],
        "old_effs": [old.effective_decision_id for _, old, _ in moves],
        "new_states": [new.state.value for _, _, new in moves],
        "new_effs": [new.effective_decision_id for _, _, new in moves],
    }


async def insert_postings(connection: AsyncConnection, planned: Sequence[PlannedPosting], now: datetime) -> None:
    rows = [
        {"transfer_id": p.transfer_id, "kind": p.kind.value, "decision_id": p.decision_id, "posted_at": now}
        for p in planned
    ]
    # A plain insert on purpose: a second posting of a kind violates the unique key and
    # fails the whole batch rather than moving money twice.
    if rows and connection.dialect.name == "postgresql":
        await insert_unnested(connection, postings, rows)
    elif rows:
        await connection.execute(postings.insert(), rows)
