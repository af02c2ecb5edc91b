"""The case: what officers work, and the one pure function that moves it.

    new ─assign/escalate─▶ in_review ─(four-eyes action)─▶ awaiting_approval ─approve─▶ closed
     │                        │  ▲                                  │
     │                        │  └──────────── decline ─────────────┘
     └────────────────────────┴─(one-person action: release, reject, close)──────────▶ closed
    closed (frozen) ─unfreeze proposal ─approve─▶ closed (released)

`decide` is total like the ledger's `apply`: an action an officer may not take is a `Refused` with
a reason to show them, never an exception. Who may act is in `officer.py`, who needs a second pair
of eyes in `four_eyes.py`, and what a deciding action does to funds and reports in `consequences.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from services.casedesk.domain import four_eyes
from services.casedesk.domain.alert import CaseAlert
from services.casedesk.domain.consequences import Outcome, Plan, consequences
from services.casedesk.domain.effect import Effect
from services.casedesk.domain.four_eyes import Proposal
from services.casedesk.domain.officer import Actor, CaseAction, Role, same_person
from services.casedesk.domain.priority import Priority, due_at, priority

__all__ = [
    "Accepted",
    "Actor",
    "Case",
    "CaseAction",
    "CaseEvent",
    "CaseStatus",
    "Outcome",
    "Plan",
    "Priority",
    "Proposal",
    "Refused",
    "Role",
    "Verdict",
    "decide",
    "due_at",
    "priority",
]


class CaseStatus(StrEnum):
    NEW = "new"
    IN_REVIEW = "in_review"
    AWAITING_APPROVAL = "awaiting_approval"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class Case:
    case_id: str
    subject: str
    exchange_id: str | None
    status: CaseStatus
    priority: Priority
    opened_at: datetime
    due_at: datetime
    alerts: tuple[CaseAlert, ...]
    outcome: Outcome | None = None
    assignee: str | None = None
    proposal: Proposal | None = None
    escalated: bool = False
    """Handed to senior officers: analysts may still comment, but not assign it or decide it."""
    reported: bool = False
    """An STR has been decided for this case (its report task was published)."""
    closed_at: datetime | None = None

    @property
    def alert_ids(self) -> tuple[str, ...]:
        return tuple(a.alert_id for a in self.alerts)

    @property
    def is_open(self) -> bool:
        return self.status is not CaseStatus.CLOSED

    def overdue(self, now: datetime) -> bool:
        return self.is_open and now > self.due_at


@dataclass(frozen=True, slots=True)
class CaseEvent:
    """One thing that happened to a case, as the audit log records it."""

    case_id: str
    at: datetime
    actor: str
    role: Role
    action: CaseAction
    note: str = ""
    proposed: bool = False
    """The action was proposed, not taken: it waits for a checker."""
    approved_by: str | None = None
    """For a four-eyes action taking effect: the checker (`actor` is then the maker)."""
    assignee: str | None = None

    def payload(self) -> dict[str, object]:
        """The audit entry's payload (actor, action, time and case travel in the entry's own fields)."""
        return {
            "role": self.role.value,
            "note": self.note,
            "proposed": self.proposed,
            "approved_by": self.approved_by,
            "assignee": self.assignee,
        }


@dataclass(frozen=True, slots=True)
class Refused:
    reason: str


@dataclass(frozen=True, slots=True)
class Accepted:
    case: Case
    events: tuple[CaseEvent, ...]
    effects: tuple[Effect, ...] = ()


Verdict = Refused | Accepted


def decide(
    case: Case,
    action: CaseAction,
    actor: Actor,
    now: datetime,
    *,
    needs_four_eyes: bool,
    note: str = "",
    assignee: str | None = None,
) -> Verdict:
    """Judge `actor`'s `action` on `case` at `now`.

    `needs_four_eyes` lets the caller's policy demand a checker for more actions (say, releases above
    an amount); it can never waive the built-in rules of `four_eyes.needs_four_eyes`. Assign, comment
    and escalate decide nothing and never need a checker. `assignee` is for `assign` only (default:
    the actor takes the case); `note` is the officer's text, recorded with the event.
    """
    if not actor.may_act:
        return Refused(f"a {actor.role} has read-only access to cases" if actor.key else "an action needs a name")
    event = CaseEvent(case.case_id, now, actor.name, actor.role, action, note)
    if action is CaseAction.COMMENT:
        return Accepted(case, (event,)) if note.strip() else Refused("a comment needs text")
    if action in (CaseAction.APPROVE, CaseAction.DECLINE):
        return _check(case, action, actor, now, note)
    if not case.is_open and action is not CaseAction.UNFREEZE:
        return Refused(f"the case is closed ({case.outcome}): only comments, and unfreezing a frozen case")
    if case.proposal is not None:
        return Refused(
            f"{case.proposal.maker}'s proposal to {case.proposal.action} is pending: it must be approved or declined"
        )
    if case.escalated and actor.role is Role.ANALYST and action is not CaseAction.ESCALATE:
        return Refused("the case is escalated: a senior officer takes it from here")
    if action is CaseAction.ASSIGN:
        return _assign(case, actor, event, assignee)
    if action is CaseAction.ESCALATE:
        if case.escalated:
            return Refused("the case is already escalated")
        changed = replace(case, escalated=True, assignee=None, status=CaseStatus.IN_REVIEW)
        return Accepted(changed, (event,))
    plan = consequences(case, action, actor.name, None, now)
    if isinstance(plan, str):
        return Refused(plan)
    if needs_four_eyes or four_eyes.needs_four_eyes(action, case.alerts):
        proposal = Proposal(action, actor.name, actor.role, now, case.alert_ids, note)
        waiting = CaseStatus.AWAITING_APPROVAL if case.is_open else CaseStatus.CLOSED
        return Accepted(replace(case, proposal=proposal, status=waiting), (replace(event, proposed=True),))
    return Accepted(_carried_out(case, plan, now), (event,), plan.effects)


def _assign(case: Case, actor: Actor, event: CaseEvent, assignee: str | None) -> Verdict:
    target = (assignee if assignee is not None else actor.name).strip()
    if not target:
        return Refused("a case is assigned to a named officer")
    if not same_person(target, actor.name) and not actor.may_check:
        return Refused("an analyst takes cases for themselves; a senior officer assigns them to others")
    if case.assignee is not None and same_person(case.assignee, target):
        return Refused(f"the case is already assigned to {case.assignee}")
    changed = replace(case, assignee=target, status=CaseStatus.IN_REVIEW)
    return Accepted(changed, (replace(event, assignee=target),))


def _check(case: Case, action: CaseAction, checker: Actor, now: datetime, note: str) -> Verdict:
    proposal = case.proposal
    if proposal is None:
        return Refused(f"there is no proposal to {action}")
    if (why := four_eyes.checker_refusal(proposal, checker)) is not None:
        return Refused(why)
    back = CaseStatus.IN_REVIEW if case.is_open else CaseStatus.CLOSED
    check = CaseEvent(case.case_id, now, checker.name, checker.role, action, note)
    if action is CaseAction.DECLINE:
        return Accepted(replace(case, proposal=None, status=back), (check,))
    if proposal.alert_ids != case.alert_ids:
        return Refused("alerts joined the case after the proposal: decline it and propose again")
    plan = consequences(case, proposal.action, proposal.maker, checker.name, now)
    if isinstance(plan, str):
        return Refused(plan)
    taken = CaseEvent(
        case.case_id, now, proposal.maker, proposal.maker_role, proposal.action, proposal.note, False, checker.name
    )
    return Accepted(_carried_out(case, plan, now), (check, taken), plan.effects)


def _carried_out(case: Case, plan: Plan, now: datetime) -> Case:
    """`case` after `plan` took effect: any proposal is spent, and the case closes unless it stays open."""
    if plan.outcome is None:
        return replace(case, proposal=None, status=CaseStatus.IN_REVIEW, reported=plan.reported)
    closed_at = case.closed_at if case.closed_at is not None else now  # an unfreeze keeps the first closing
    return replace(
        case, proposal=None, status=CaseStatus.CLOSED, outcome=plan.outcome, reported=plan.reported, closed_at=closed_at
    )
