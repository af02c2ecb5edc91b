"""One batch judged in memory: what to insert, update and post, decided before any write.

The database is read once per batch (`Snapshot`: the batch's transfers as stored, the
decision ids already recorded, the decisions parked for those transfers) and written once
(`BatchPlan`). In between, this module replays the ledger's rules in the order the ledger
has always used, so a batch ends exactly where the old statement-by-statement loop ended:

1. transfers are registered in batch order; registering one applies what waits for it;
2. decisions are judged in consumption order; one that moves its transfer applies what
   waits behind it (a resolution that came before its hold);
3. a decision that cannot be judged yet is parked, in the database as in this plan.

A parked decision is judged again in the order of the ledger's waiting query (screening
outcomes first, then resolutions, by decision time, arrival, id), and passes repeat while
one of them moves the transfer.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from schemas import Decision, TransferEvent
from services.ledger.domain.balances import BalanceSheet, Movement
from services.ledger.domain.transfer_state import Outcome, Posting, TransferState, TransferStatus, Transition, apply

_APPLIED_AFTER_WAITING = "applied after waiting for its transfer or hold"


@dataclass
class BatchReport:
    registered: int = 0
    repeated_transfers: int = 0
    """Transfers whose id was registered before (redelivery): ignored."""
    repeated_decisions: int = 0
    """Decisions whose id was recorded before (redelivery): ignored."""
    outcomes: Counter[Outcome] = field(default_factory=Counter)
    """Verdicts of new decisions, plus final verdicts of parked ones judged again."""


@dataclass(frozen=True, slots=True)
class Registered:
    movement: Movement
    status: TransferStatus


@dataclass(frozen=True, slots=True)
class Parked:
    """A decision with outcome `waiting`; `stored` when its row predates this batch."""

    decision: Decision
    received_at: datetime
    stored: bool

    def order(self) -> tuple[Any, ...]:
        # Mirrors the ORDER BY of the waiting query the ledger used before it planned in memory.
        d = self.decision
        return (d.supersedes is not None, d.decided_at, self.received_at, d.decision_id)


@dataclass
class Snapshot:
    """What the database holds for a batch's transfer and decision ids, read under the locks."""

    transfers: dict[str, Registered] = field(default_factory=dict)
    decision_ids: set[uuid.UUID] = field(default_factory=set)
    parked: list[Parked] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class PlannedPosting:
    transfer_id: str
    kind: Posting
    decision_id: uuid.UUID


@dataclass
class BatchPlan:
    new_transfers: list[tuple[TransferEvent, TransferStatus]] = field(default_factory=list)
    """Transfers first seen in this batch, with the status they end the batch in."""
    moves: list[tuple[str, TransferStatus, TransferStatus]] = field(default_factory=list)
    """Stored transfers that moved: (id, status as read, status to write)."""
    new_decisions: list[tuple[Decision, Transition]] = field(default_factory=list)
    """Decisions first seen in this batch, with their last verdict."""
    settled: list[tuple[uuid.UUID, Transition]] = field(default_factory=list)
    """Stored parked decisions judged again, with their last verdict."""
    postings: list[PlannedPosting] = field(default_factory=list)
    sheet: BalanceSheet = field(default_factory=BalanceSheet)
    verdicts: list[tuple[Decision, Transition]] = field(default_factory=list)
    report: BatchReport = field(default_factory=BatchReport)


def plan_batch(
    snapshot: Snapshot, transfers: Iterable[TransferEvent], decisions: Iterable[Decision], now: datetime
) -> BatchPlan:
    """Judge a batch against `snapshot`; `now` is the arrival time of the batch's decisions."""
    return _Planner(snapshot, now).run(transfers, decisions)


class _Planner:
    def __init__(self, snapshot: Snapshot, now: datetime) -> None:
        self._now = now
        self._stored = dict(snapshot.transfers)
        self._current = dict(snapshot.transfers)
        self._seen = set(snapshot.decision_ids)
        self._parked: dict[str, list[Parked]] = {}
        for parked in snapshot.parked:
            self._parked.setdefault(parked.decision.transfer_id, []).append(parked)
        self._new_transfers: dict[str, TransferEvent] = {}
        self._new_decisions: dict[uuid.UUID, tuple[Decision, Transition]] = {}
        self._settled: dict[uuid.UUID, Transition] = {}
        self._plan = BatchPlan()

    def run(self, transfers: Iterable[TransferEvent], decisions: Iterable[Decision]) -> BatchPlan:
        for transfer in transfers:
            self._register(transfer)
        for decision in decisions:
            self._decide(decision)
        plan = self._plan
        plan.new_transfers = [(event, self._current[tid].status) for tid, event in self._new_transfers.items()]
        plan.moves = [
            (tid, stored.status, self._current[tid].status)
            for tid, stored in self._stored.items()
            if self._current[tid].status != stored.status
        ]
        plan.new_decisions = list(self._new_decisions.values())
        plan.settled = list(self._settled.items())
        return plan

    def _register(self, event: TransferEvent) -> None:
        transfer_id = event.transfer_id
        if transfer_id in self._current:
            self._plan.report.repeated_transfers += 1
            return
        movement = Movement(event.asset, event.amount, event.originator.account_id, event.beneficiary.account_id)
        self._current[transfer_id] = Registered(movement, TransferStatus(TransferState.PENDING))
        self._new_transfers[transfer_id] = event
        self._plan.report.registered += 1
        self._apply_waiting(transfer_id)

    def _decide(self, decision: Decision) -> None:
        found = self._current.get(decision.transfer_id)
        transition = apply(found.status if found else None, decision)
        if decision.decision_id in self._seen:
            self._plan.report.repeated_decisions += 1
            return
        self._seen.add(decision.decision_id)
        self._new_decisions[decision.decision_id] = (decision, transition)
        if transition.outcome is Outcome.WAITING:
            self._parked.setdefault(decision.transfer_id, []).append(Parked(decision, self._now, stored=False))
        self._verdict(decision, transition)
        if found is not None and transition.applied:
            self._enact(decision, found, transition)
            self._apply_waiting(decision.transfer_id)

    def _apply_waiting(self, transfer_id: str) -> None:
        """Judge parked decisions again until none of them moves the transfer any more."""
        waiting = self._parked.get(transfer_id)
        progressed = True
        while waiting and progressed:
            progressed = False
            # A pass works on the decisions parked when it starts, like the query it replaces.
            for parked in sorted(waiting, key=Parked.order):
                registered = self._current[transfer_id]
                transition = apply(registered.status, parked.decision)
                if transition.applied:
                    # Keep the trace that it was parked, for whoever reads the history.
                    transition = replace(transition, note=_APPLIED_AFTER_WAITING)
                self._settle(parked, transition)
                if transition.outcome is Outcome.WAITING:
                    continue
                waiting.remove(parked)
                self._verdict(parked.decision, transition)
                if transition.applied:
                    self._enact(parked.decision, registered, transition)
                    progressed = True

    def _settle(self, parked: Parked, transition: Transition) -> None:
        decision_id = parked.decision.decision_id
        if parked.stored:
            self._settled[decision_id] = transition
        else:
            # Not written yet: the row is inserted once, with its last verdict.
            self._new_decisions[decision_id] = (parked.decision, transition)

    def _enact(self, decision: Decision, registered: Registered, transition: Transition) -> None:
        assert transition.state is not None, "an applied transition always names the new state"
        status = TransferStatus(transition.state, transition.effective_decision_id)
        self._current[decision.transfer_id] = Registered(registered.movement, status)
        for kind in transition.postings:
            self._plan.postings.append(PlannedPosting(decision.transfer_id, kind, decision.decision_id))
            self._plan.sheet.post(kind, registered.movement)

    def _verdict(self, decision: Decision, transition: Transition) -> None:
        self._plan.verdicts.append((decision, transition))
        self._plan.report.outcomes[transition.outcome] += 1
