"""Properties over random histories: whoever acts, in whatever order, four eyes hold.

A history is a sequence of actions by actors drawn from a small pool (one login spelt several ways,
the same person under different roles) with alerts joining the case in between. Whatever happens:

- nobody approves their own proposal, and only a senior or admin approves;
- held funds of a four-eyes case are released (or a freeze lifted, a freeze or STR made) only by an
  approval of a different senior, of exactly the action that was proposed;
- regulators and exchanges never change anything.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from schemas import Resolution
from services.casedesk.domain.alert import CaseAlert
from services.casedesk.domain.case import Accepted, Actor, Case, CaseAction, CaseEvent, Role, decide
from services.casedesk.domain.effect import LiftFreeze, RecordSuppression, ReportDue, ResolveTransfer
from services.casedesk.domain.four_eyes import releases_need_four_eyes
from services.casedesk.domain.grouping import absorb
from services.casedesk.domain.officer import same_person
from tests.casedesk.domain.builders import SLA, later, make_case, plain_hold, sanctions_hold

NAMES = ("alice", "Alice", "ALICE ", "sara", "Sara", "sami", "root")
ROLES = tuple(Role)


@dataclass(frozen=True)
class Act:
    action: CaseAction
    actor: Actor
    four_eyes: bool


@dataclass(frozen=True)
class Join:
    alert: CaseAlert


actors = st.builds(Actor, st.sampled_from(NAMES), st.sampled_from(ROLES))
acts = st.builds(Act, st.sampled_from(list(CaseAction)), actors, st.booleans())
joins = st.builds(Join, st.builds(sanctions_hold, st.sampled_from(["t-1", "t-2", "t-3"])))
histories = st.lists(st.one_of(acts, acts, acts, joins), max_size=25)
starts = st.sampled_from(
    [
        (sanctions_hold("t-1"),),
        (sanctions_hold("t-1"), sanctions_hold("t-2")),
        (plain_hold("t-9", "acct-1"),),  # no four-eyes rule: joining sanctions alerts make it one
    ]
)


def _decisive(effect: object) -> bool:
    """An effect only a checked decision may cause on a four-eyes case."""
    releases = isinstance(effect, ResolveTransfer) and effect.resolution is Resolution.RELEASE
    return releases or isinstance(effect, LiftFreeze | RecordSuppression | ReportDue)


def _check(before: Case, step: Act, verdict: Accepted, proposals: list[CaseEvent]) -> None:
    if step.action is CaseAction.APPROVE:
        assert proposals, "approved without a proposal"
        proposal = proposals[-1]
        assert step.actor.role in (Role.SENIOR, Role.ADMIN)
        assert not same_person(step.actor.name, proposal.actor), "the maker approved their own proposal"
        assert verdict.events[-1].action is proposal.action
    four_eyes_case = releases_need_four_eyes(before.alerts)
    for effect in verdict.effects:
        if (four_eyes_case and _decisive(effect)) or isinstance(effect, LiftFreeze | ReportDue):
            assert step.action is CaseAction.APPROVE, f"{effect} without an approval"
            assert effect.approved_by == step.actor.name
            assert not same_person(effect.decided_by, step.actor.name)
        if effect.approved_by is not None:
            assert not same_person(effect.decided_by, effect.approved_by)


@settings(max_examples=400, deadline=None)
@given(start=starts, history=histories)
def test_four_eyes_hold_over_any_history(start: tuple[CaseAlert, ...], history: list[Act | Join]) -> None:
    case = make_case(*start)
    proposals: list[CaseEvent] = []  # the proposals made so far, as the audit log would show them
    for minute, step in enumerate(history, start=1):
        if isinstance(step, Join):
            absorbed = absorb({case.case_id: case}, step.alert, later(minute), SLA, "c-other")
            if not absorbed.opened:
                case = absorbed.case
            if case.proposal is None:
                proposals.clear()  # withdrawn by the join: nothing may be approved any more
            continue
        verdict = decide(case, step.action, step.actor, later(minute), needs_four_eyes=step.four_eyes, note="n")
        if not isinstance(verdict, Accepted):
            continue
        assert step.actor.role not in (Role.REGULATOR, Role.EXCHANGE), "a reader changed a case"
        _check(case, step, verdict, proposals)
        if step.action in (CaseAction.APPROVE, CaseAction.DECLINE):
            proposals.clear()
        proposals.extend(e for e in verdict.events if e.proposed)
        assert (verdict.case.proposal is None) == (not proposals)
        case = verdict.case
