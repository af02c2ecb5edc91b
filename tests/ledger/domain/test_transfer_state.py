"""The ledger's state machine, transition by transition (pure: no database, no Kafka)."""

from __future__ import annotations

import uuid

import pytest

from schemas import Action, Decision, Resolution
from services.ledger.domain.transfer_state import (
    Outcome,
    Posting,
    TransferState,
    TransferStatus,
    Transition,
    apply,
)
from tests.ledger.builders import resolution, screening

PENDING = TransferStatus(TransferState.PENDING)


def _held(transfer_id: str = "t-1") -> tuple[Decision, TransferStatus]:
    hold = screening(transfer_id, Action.HOLD)
    return hold, TransferStatus(TransferState.ESCROWED, hold.decision_id)


@pytest.mark.parametrize(
    ("action", "state", "postings"),
    [
        (Action.ALLOW, TransferState.SETTLED, (Posting.SETTLE,)),
        (Action.FLAG, TransferState.SETTLED, (Posting.SETTLE,)),
        (Action.HOLD, TransferState.ESCROWED, (Posting.ESCROW,)),
    ],
)
def test_screening_decision_moves_a_pending_transfer(
    action: Action, state: TransferState, postings: tuple[Posting, ...]
) -> None:
    decision = screening("t-1", action)
    transition = apply(PENDING, decision)
    assert transition == Transition(Outcome.APPLIED, state, decision.decision_id, postings)
    assert transition.applied


@pytest.mark.parametrize(
    ("outcome", "state", "postings"),
    [
        (Resolution.RELEASE, TransferState.SETTLED, (Posting.UNESCROW, Posting.SETTLE)),
        (Resolution.REJECT, TransferState.RETURNED, (Posting.UNESCROW,)),
        (Resolution.FREEZE, TransferState.FROZEN, ()),
    ],
)
def test_resolution_moves_a_held_transfer(
    outcome: Resolution, state: TransferState, postings: tuple[Posting, ...]
) -> None:
    hold, status = _held()
    decision = resolution(hold, outcome)
    transition = apply(status, decision)
    assert transition == Transition(Outcome.APPLIED, state, decision.decision_id, postings)


def test_same_decision_again_is_a_duplicate() -> None:
    allow = screening("t-1")
    status = TransferStatus(TransferState.SETTLED, allow.decision_id)
    transition = apply(status, allow)
    assert transition.outcome is Outcome.DUPLICATE
    assert (transition.state, transition.effective_decision_id, transition.postings) == (
        TransferState.SETTLED,
        allow.decision_id,
        (),
    )


@pytest.mark.parametrize("later", [Action.ALLOW, Action.FLAG, Action.HOLD])
def test_first_system_decision_is_effective(later: Action) -> None:
    hold, status = _held()
    rescreen = screening("t-1", later, decision_id=uuid.uuid4())
    transition = apply(status, rescreen)
    assert transition.outcome is Outcome.DUPLICATE
    assert transition.state is TransferState.ESCROWED
    assert transition.effective_decision_id == hold.decision_id
    assert transition.postings == ()
    assert transition.note is not None and "first system decision is effective" in transition.note


@pytest.mark.parametrize("terminal", [TransferState.SETTLED, TransferState.RETURNED, TransferState.FROZEN])
@pytest.mark.parametrize("outcome", list(Resolution))
def test_resolution_on_a_transfer_that_is_not_held_is_rejected(terminal: TransferState, outcome: Resolution) -> None:
    hold, _ = _held()
    earlier = uuid.uuid4()
    transition = apply(TransferStatus(terminal, earlier), resolution(hold, outcome))
    assert transition.outcome is Outcome.REJECTED
    assert (transition.state, transition.effective_decision_id, transition.postings) == (terminal, earlier, ())
    assert transition.note is not None and "not held" in transition.note


def test_second_resolution_after_a_release_is_rejected() -> None:
    hold, status = _held()
    release = resolution(hold, Resolution.RELEASE)
    released = apply(status, release)
    freeze = resolution(hold, Resolution.FREEZE, officer="officer-2")
    after = TransferStatus(TransferState.SETTLED, released.effective_decision_id)
    assert apply(after, freeze).outcome is Outcome.REJECTED


def test_resolution_of_another_decision_is_rejected() -> None:
    _, status = _held()
    stranger = resolution(screening("t-1", Action.HOLD, decision_id=uuid.uuid4()), Resolution.RELEASE)
    transition = apply(status, stranger)
    assert transition.outcome is Outcome.REJECTED
    assert transition.note is not None and "supersedes" in transition.note


def test_resolution_before_its_hold_waits() -> None:
    hold = screening("t-1", Action.HOLD)
    transition = apply(PENDING, resolution(hold, Resolution.RELEASE))
    assert transition.outcome is Outcome.WAITING
    assert transition.state is TransferState.PENDING
    assert transition.postings == ()


@pytest.mark.parametrize("decision", [screening("t-1"), resolution(screening("t-1", Action.HOLD), Resolution.REJECT)])
def test_decision_before_its_transfer_waits_then_applies(decision: Decision) -> None:
    waiting = apply(None, decision)
    assert waiting == Transition(
        Outcome.WAITING, None, None, (), "transfer not registered yet; applied when it arrives"
    )


def test_decision_before_transfer_applies_once_registered() -> None:
    allow = screening("t-1", Action.FLAG)
    assert apply(None, allow).outcome is Outcome.WAITING
    assert apply(PENDING, allow).outcome is Outcome.APPLIED


_ALL_STATUSES = [None, PENDING] + [
    TransferStatus(state, uuid.uuid4()) for state in TransferState if state is not TransferState.PENDING
]
_ALL_DECISIONS = [screening("t-1", action) for action in Action] + [
    resolution(screening("t-1", Action.HOLD), outcome) for outcome in Resolution
]


@pytest.mark.parametrize("status", _ALL_STATUSES)
@pytest.mark.parametrize("decision", _ALL_DECISIONS)
def test_apply_is_total_and_only_applied_transitions_post(status: TransferStatus | None, decision: Decision) -> None:
    transition = apply(status, decision)
    assert isinstance(transition.outcome, Outcome)
    if not transition.applied:
        assert transition.postings == ()
        assert transition.note
        if status is not None:
            assert (transition.state, transition.effective_decision_id) == (
                status.state,
                status.effective_decision_id,
            )
    else:
        assert transition.effective_decision_id == decision.decision_id
