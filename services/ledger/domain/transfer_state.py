"""The life of one ledger transfer: which decision moves it where, and which never may.

    pending ──allow/flag──▶ settled
    pending ──hold──▶ escrowed ──release──▶ settled
                              ──reject───▶ returned
                              ──freeze───▶ frozen

The first system decision for a transfer is the effective one: the screener may decide a
transfer again (a re-screen after a crash), and a second outcome must never be applied on
top of the first. Officers' resolutions act only on a hold and only on the decision that
put it there. `apply` is total: every input yields a `Transition`, never an exception, so
one odd decision cannot stop a batch.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from schemas.decision import Action, Decision, Resolution


class TransferState(StrEnum):
    PENDING = "pending"
    SETTLED = "settled"
    ESCROWED = "escrowed"
    RETURNED = "returned"
    FROZEN = "frozen"


class Outcome(StrEnum):
    APPLIED = "applied"
    """The decision moved the transfer."""
    DUPLICATE = "duplicate"
    """Seen before, or a later system decision for a transfer already decided: ignored."""
    REJECTED = "rejected"
    """Recorded but not allowed to act (e.g. a resolution for a transfer that is not held)."""
    WAITING = "waiting"
    """Cannot be judged yet: its transfer (or the decision it resolves) has not arrived."""


class Posting(StrEnum):
    """A balance movement a transition causes; each happens at most once per transfer."""

    ESCROW = "escrow"
    """The originator's amount is blocked."""
    UNESCROW = "unescrow"
    """The block is lifted."""
    SETTLE = "settle"
    """The amount moves from the originator to the beneficiary."""


@dataclass(frozen=True, slots=True)
class TransferStatus:
    """What the state machine needs to know about a registered transfer."""

    state: TransferState
    effective_decision_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class Transition:
    outcome: Outcome
    state: TransferState | None
    """The state after the decision (None while the transfer is unknown)."""
    effective_decision_id: uuid.UUID | None
    postings: tuple[Posting, ...] = ()
    note: str | None = None

    @property
    def applied(self) -> bool:
        return self.outcome is Outcome.APPLIED


_BY_SCREENING: dict[Action, tuple[TransferState, tuple[Posting, ...]]] = {
    Action.ALLOW: (TransferState.SETTLED, (Posting.SETTLE,)),
    Action.FLAG: (TransferState.SETTLED, (Posting.SETTLE,)),
    Action.HOLD: (TransferState.ESCROWED, (Posting.ESCROW,)),
}

_BY_RESOLUTION: dict[Resolution, tuple[TransferState, tuple[Posting, ...]]] = {
    Resolution.RELEASE: (TransferState.SETTLED, (Posting.UNESCROW, Posting.SETTLE)),
    Resolution.REJECT: (TransferState.RETURNED, (Posting.UNESCROW,)),
    # Frozen funds stay escrowed: a freeze blocks them until a legal process says otherwise.
    Resolution.FREEZE: (TransferState.FROZEN, ()),
}


def apply(current: TransferStatus | None, decision: Decision) -> Transition:
    """Judge `decision` against the transfer's current status; never raises."""
    if current is None:
        return Transition(Outcome.WAITING, None, None, note="transfer not registered yet; applied when it arrives")
    if decision.decision_id == current.effective_decision_id:
        return _unchanged(current, Outcome.DUPLICATE, "already the effective decision")
    if decision.resolution is None:
        return _screening(current, decision)
    return _resolution(current, decision, decision.resolution)


def _screening(current: TransferStatus, decision: Decision) -> Transition:
    if current.effective_decision_id is not None or current.state is not TransferState.PENDING:
        return _unchanged(
            current,
            Outcome.DUPLICATE,
            f"transfer already decided by {current.effective_decision_id} ({current.state}); "
            "the first system decision is effective",
        )
    state, postings = _BY_SCREENING[decision.action]
    return Transition(Outcome.APPLIED, state, decision.decision_id, postings)


def _resolution(current: TransferStatus, decision: Decision, resolution: Resolution) -> Transition:
    if current.state is TransferState.PENDING:
        # Resolutions are keyed like decisions, so they normally arrive after the hold; if
        # not (replay, other key), judging now would wrongly reject a valid resolution.
        return _unchanged(current, Outcome.WAITING, f"waiting for the decision it resolves ({decision.supersedes})")
    if current.state is not TransferState.ESCROWED:
        return _unchanged(
            current,
            Outcome.REJECTED,
            f"{resolution} ignored: transfer is {current.state}, not held; resolutions apply only to a hold",
        )
    if decision.supersedes != current.effective_decision_id:
        return _unchanged(
            current,
            Outcome.REJECTED,
            f"{resolution} ignored: it supersedes {decision.supersedes} but the hold in force "
            f"is {current.effective_decision_id}",
        )
    state, postings = _BY_RESOLUTION[resolution]
    return Transition(Outcome.APPLIED, state, decision.decision_id, postings)


def _unchanged(current: TransferStatus, outcome: Outcome, note: str) -> Transition:
    return Transition(outcome, current.state, current.effective_decision_id, (), note)
