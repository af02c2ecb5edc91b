"""Read side of a write batch: everything the planner needs, in three queries (per chunk).

Runs inside the batch's transaction after `ledger_store.lock_transfers`, so what it reads
cannot change under the batch on PostgreSQL (same advisory locks) nor on SQLite (one writer).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from schemas import Decision
from services.ledger.adapters.tables import decisions, transfers
from services.ledger.domain.balances import Movement
from services.ledger.domain.batch_plan import Parked, Registered, Snapshot
from services.ledger.domain.transfer_state import Outcome, TransferState, TransferStatus

# Bound parameters per IN list: far below SQLite's (32,766) and asyncpg's (32,767) limits,
# so a batch of any configured size never trips them.
CHUNK = 1000

_T = TypeVar("_T")


def chunks(items: Sequence[_T], size: int = CHUNK) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def load_snapshot(
    connection: AsyncConnection, transfer_ids: Sequence[str], decision_ids: Sequence[uuid.UUID]
) -> Snapshot:
    snapshot = Snapshot()
    for part in chunks(transfer_ids):
        rows = await connection.execute(select(transfers).where(transfers.c.transfer_id.in_(part)))
        for row in rows:
            movement = Movement(row.asset, row.amount, row.originator_account, row.beneficiary_account)
            status = TransferStatus(TransferState(row.state), row.effective_decision_id)
            snapshot.transfers[row.transfer_id] = Registered(movement, status)
        parked = await connection.execute(
            select(decisions.c.payload, decisions.c.received_at).where(
                decisions.c.transfer_id.in_(part), decisions.c.status == Outcome.WAITING.value
            )
        )
        snapshot.parked.extend(Parked(Decision.model_validate(payload), at, stored=True) for payload, at in parked)
    for ids in chunks(decision_ids):
        known = await connection.execute(select(decisions.c.decision_id).where(decisions.c.decision_id.in_(ids)))
        snapshot.decision_ids.update(decision_id for (decision_id,) in known)
    return snapshot
