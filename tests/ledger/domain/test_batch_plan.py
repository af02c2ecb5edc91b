"""The in-memory batch planner: the ledger's order of judgement, without a database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from schemas import Action, Resolution, TransferEvent
from services.ledger.domain.balances import ZERO, Movement
from services.ledger.domain.batch_plan import Parked, PlannedPosting, Registered, Snapshot, plan_batch
from services.ledger.domain.transfer_state import Outcome, Posting, TransferState, TransferStatus
from tests.factories import party, transfer
from tests.ledger.builders import resolution, screening

NOW = datetime(2026, 11, 2, tzinfo=UTC)
PENDING = TransferStatus(TransferState.PENDING)


def _transfer(transfer_id: str) -> TransferEvent:
    return transfer(transfer_id=transfer_id, amount=Decimal(10), originator=party("a"), beneficiary=party("b"))


def _stored(status: TransferStatus = PENDING) -> Registered:
    return Registered(Movement("PKTB-3M", Decimal(10), "a", "b"), status)


def test_transfer_hold_and_release_in_one_batch_end_settled_with_every_posting_in_order() -> None:
    hold = screening("t-1", Action.HOLD)
    release = resolution(hold, Resolution.RELEASE)
    # The release is consumed before its hold: it waits, then applies behind it.
    plan = plan_batch(Snapshot(), [_transfer("t-1")], [release, hold], NOW)
    assert [(event.transfer_id, status) for event, status in plan.new_transfers] == [
        ("t-1", TransferStatus(TransferState.SETTLED, release.decision_id))
    ]
    assert plan.moves == []
    assert [p.kind for p in plan.postings] == [Posting.ESCROW, Posting.UNESCROW, Posting.SETTLE]
    verdicts = {decision.decision_id: transition for decision, transition in plan.new_decisions}
    assert verdicts[release.decision_id].outcome is Outcome.APPLIED
    assert verdicts[release.decision_id].note == "applied after waiting for its transfer or hold"
    assert plan.report.outcomes == {Outcome.WAITING: 1, Outcome.APPLIED: 2}
    assert [(d.account_id, d.balance, d.escrowed) for d in plan.sheet] == [
        ("a", Decimal(-10), ZERO),
        ("b", Decimal(10), ZERO),
    ]


def test_copies_of_one_decision_in_a_batch_are_judged_once() -> None:
    allow = screening("t-1")
    plan = plan_batch(Snapshot(transfers={"t-1": _stored()}), [], [allow, allow, allow], NOW)
    assert plan.report.repeated_decisions == 2
    assert plan.report.outcomes == {Outcome.APPLIED: 1}
    assert plan.postings == [PlannedPosting("t-1", Posting.SETTLE, allow.decision_id)]
    assert plan.moves == [("t-1", PENDING, TransferStatus(TransferState.SETTLED, allow.decision_id))]


def test_known_ids_are_repeats() -> None:
    allow = screening("t-1")
    snapshot = Snapshot(transfers={"t-1": _stored()}, decision_ids={allow.decision_id})
    plan = plan_batch(snapshot, [_transfer("t-1"), _transfer("t-2"), _transfer("t-2")], [allow], NOW)
    report = plan.report
    assert (report.registered, report.repeated_transfers, report.repeated_decisions) == (1, 2, 1)
    assert [event.transfer_id for event, _ in plan.new_transfers] == ["t-2"]
    assert plan.new_decisions == [] and plan.moves == []


def test_stored_parked_decisions_are_settled_in_the_waiting_order() -> None:
    first = screening("t-1", Action.HOLD)
    later = screening("t-1", Action.ALLOW, decision_id=uuid.uuid4(), decided_at=first.decided_at + timedelta(hours=1))
    parked = [Parked(later, NOW - timedelta(days=1), stored=True), Parked(first, NOW, stored=True)]
    plan = plan_batch(Snapshot(parked=parked), [_transfer("t-1")], [], NOW)
    settled = {decision_id: transition.outcome for decision_id, transition in plan.settled}
    assert settled == {first.decision_id: Outcome.APPLIED, later.decision_id: Outcome.DUPLICATE}
    assert plan.new_decisions == []
    assert plan.new_transfers[0][1] == TransferStatus(TransferState.ESCROWED, first.decision_id)


def test_a_resolution_still_waiting_for_its_hold_is_rewritten_with_the_reason() -> None:
    hold = screening("t-1", Action.HOLD)
    freeze = resolution(hold, Resolution.FREEZE)
    plan = plan_batch(Snapshot(parked=[Parked(freeze, NOW, stored=True)]), [_transfer("t-1")], [], NOW)
    [(decision_id, transition)] = plan.settled
    assert (decision_id, transition.outcome) == (freeze.decision_id, Outcome.WAITING)
    assert transition.note is not None and "waiting for the decision it resolves" in transition.note
    assert sum(plan.report.outcomes.values()) == 0


def test_a_decision_for_an_unknown_transfer_is_parked_as_new() -> None:
    allow = screening("t-9")
    plan = plan_batch(Snapshot(), [], [allow], NOW)
    [(decision, transition)] = plan.new_decisions
    assert (decision, transition.outcome, transition.state) == (allow, Outcome.WAITING, None)
    assert plan.postings == [] and len(plan.sheet) == 0
