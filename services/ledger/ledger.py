"""The ledger's use case: apply a batch of transfers and decisions in one transaction.

Order inside a batch: transfers are registered first, then decisions are judged in the
order they were consumed. A decision whose transfer is unknown waits in the decisions
table; registering the transfer (in this batch or a later one) applies whatever waits for
it. The pure state machine (`domain.transfer_state.apply`) decides; this module only reads
the current status, records the verdict and enacts it.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from schemas import Decision, TransferEvent
from schemas.common import utc_now
from services.ledger.adapters import ledger_store as store
from services.ledger.adapters.database import write_transaction
from services.ledger.domain.balances import BalanceSheet, Movement
from services.ledger.domain.transfer_state import Outcome, TransferStatus, Transition, apply

log = logging.getLogger(__name__)


@dataclass
class BatchReport:
    registered: int = 0
    repeated_transfers: int = 0
    """Transfers whose id was registered before (redelivery): ignored."""
    repeated_decisions: int = 0
    """Decisions whose id was recorded before (redelivery): ignored."""
    outcomes: Counter[Outcome] = field(default_factory=Counter)
    """Verdicts of new decisions, plus final verdicts of parked ones judged again."""


@dataclass
class _Batch:
    """Per-transaction scratch: the connection, the clock reading and the balance sheet."""

    connection: AsyncConnection
    now: datetime
    sheet: BalanceSheet = field(default_factory=BalanceSheet)
    report: BatchReport = field(default_factory=BatchReport)


class Ledger:
    def __init__(self, engine: AsyncEngine, clock: Callable[[], datetime] = utc_now) -> None:
        self._engine = engine
        self._clock = clock

    async def apply(self, transfers: Sequence[TransferEvent] = (), decisions: Sequence[Decision] = ()) -> BatchReport:
        """Apply everything or nothing: any error rolls the whole batch back."""
        async with write_transaction(self._engine) as connection:
            batch = _Batch(connection, self._clock())
            ids = [t.transfer_id for t in transfers] + [d.transfer_id for d in decisions]
            await store.lock_transfers(connection, ids)
            for transfer in transfers:
                await self._register(batch, transfer)
            for decision in decisions:
                await self._decide(batch, decision)
            await store.apply_balances(connection, batch.sheet, batch.now)
        return batch.report

    async def _register(self, batch: _Batch, transfer: TransferEvent) -> None:
        if not await store.insert_transfer(batch.connection, transfer, batch.now):
            batch.report.repeated_transfers += 1
            return
        batch.report.registered += 1
        await self._apply_waiting(batch, transfer.transfer_id)

    async def _decide(self, batch: _Batch, decision: Decision) -> None:
        found = await store.find_transfer(batch.connection, decision.transfer_id)
        status = found[1] if found else None
        transition = apply(status, decision)
        if not await store.insert_decision(batch.connection, decision, transition, batch.now):
            batch.report.repeated_decisions += 1
            return
        self._count(batch, decision, transition)
        if found is not None and transition.applied:
            await self._enact(batch, decision, found[0], found[1], transition)
            await self._apply_waiting(batch, decision.transfer_id)

    async def _apply_waiting(self, batch: _Batch, transfer_id: str) -> None:
        """Judge parked decisions again until none of them moves the transfer any more."""
        found = await store.find_transfer(batch.connection, transfer_id)
        if found is None:
            return
        movement, status = found
        progressed = True
        while progressed:
            progressed = False
            for decision in await store.waiting_decisions(batch.connection, transfer_id):
                transition = apply(status, decision)
                if transition.applied:
                    # Keep the trace that it was parked, for whoever reads the history.
                    transition = replace(transition, note="applied after waiting for its transfer or hold")
                await store.settle_decision(batch.connection, decision.decision_id, transition)
                if transition.outcome is Outcome.WAITING:
                    continue
                self._count(batch, decision, transition)
                if transition.applied:
                    await self._enact(batch, decision, movement, status, transition)
                    status = TransferStatus(transition.state or status.state, transition.effective_decision_id)
                    progressed = True

    async def _enact(
        self,
        batch: _Batch,
        decision: Decision,
        movement: Movement,
        status: TransferStatus,
        transition: Transition,
    ) -> None:
        connection, now = batch.connection, batch.now
        await store.move_transfer(connection, decision.transfer_id, status, transition, now)
        await store.insert_postings(connection, decision.transfer_id, decision.decision_id, transition.postings, now)
        for posting in transition.postings:
            batch.sheet.post(posting, movement)

    @staticmethod
    def _count(batch: _Batch, decision: Decision, transition: Transition) -> None:
        batch.report.outcomes[transition.outcome] += 1
        level = logging.INFO if transition.outcome is Outcome.REJECTED else logging.DEBUG
        log.log(
            level,
            "decision %s for %s: %s%s",
            decision.decision_id,
            decision.transfer_id,
            transition.outcome,
            f" ({transition.note})" if transition.note else "",
        )
