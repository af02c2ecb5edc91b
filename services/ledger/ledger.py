"""The ledger's use case: apply a batch of transfers and decisions in one transaction.

Order inside a batch: transfers are registered first, then decisions are judged in the
order they were consumed. A decision whose transfer is unknown waits in the decisions
table; registering the transfer (in this batch or a later one) applies whatever waits for
it. The batch is read, judged and written in three phases, so its cost in database round
trips does not grow with its size:

1. lock the batch's transfer ids and read what the database holds for them (`load_snapshot`);
2. judge everything in memory with the pure state machine (`domain.batch_plan`);
3. write the outcome with bulk statements (`ledger_store`, `balance_store`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from schemas import Decision, TransferEvent
from schemas.common import utc_now
from services.database import write_transaction
from services.ledger.adapters import ledger_store as store
from services.ledger.adapters.balance_store import apply_balances
from services.ledger.adapters.batch_snapshot import load_snapshot
from services.ledger.domain.batch_plan import BatchPlan, BatchReport, plan_batch
from services.ledger.domain.transfer_state import Outcome

__all__ = ["BatchReport", "Ledger"]

log = logging.getLogger(__name__)


class Ledger:
    def __init__(self, engine: AsyncEngine, clock: Callable[[], datetime] = utc_now) -> None:
        self._engine = engine
        self._clock = clock

    async def apply(self, transfers: Sequence[TransferEvent] = (), decisions: Sequence[Decision] = ()) -> BatchReport:
        """Apply everything or nothing: any error rolls the whole batch back."""
        transfer_ids = sorted({t.transfer_id for t in transfers} | {d.transfer_id for d in decisions})
        decision_ids = sorted({d.decision_id for d in decisions})
        async with write_transaction(self._engine) as connection:
            now = self._clock()
            await store.lock_transfers(connection, transfer_ids)
            snapshot = await load_snapshot(connection, transfer_ids, decision_ids)
            plan = plan_batch(snapshot, transfers, decisions, now)
            # Transfers before postings (foreign key); the order of the rest does not matter.
            await store.insert_transfers(connection, plan.new_transfers, now)
            await store.move_transfers(connection, plan.moves, now)
            await store.insert_decisions(connection, plan.new_decisions, now)
            await store.settle_decisions(connection, plan.settled)
            await store.insert_postings(connection, plan.postings, now)
            await apply_balances(connection, plan.sheet, now)
        _log_verdicts(plan)
        return plan.report


def _log_verdicts(plan: BatchPlan) -> None:
    # After the commit, so the log never reports a verdict that was rolled back.
    for decision, transition in plan.verdicts:
        level = logging.INFO if transition.outcome is Outcome.REJECTED else logging.DEBUG
        if log.isEnabledFor(level):
            log.log(
                level,
                "decision %s for %s: %s%s",
                decision.decision_id,
                decision.transfer_id,
                transition.outcome,
                f" ({transition.note})" if transition.note else "",
            )
