"""The case state machine, action by action: what each does, and every refusal."""

from __future__ import annotations

from datetime import timedelta

import pytest

from schemas import Decision, Resolution
from services.casedesk.domain.case import Actor, CaseAction, CaseEvent, CaseStatus, Outcome, Role
from services.casedesk.domain.effect import LiftFreeze, ResolveTransfer
from tests.casedesk.domain.builders import (
    ADMIN,
    ANALYST,
    ANALYST_2,
    EXCHANGE,
    REGULATOR,
    SENIOR,
    SENIOR_2,
    T0,
    accepted,
    act,
    flag,
    frozen_case,
    later,
    make_case,
    plain_hold,
    proposed,
    refused,
    sanctions_hold,
)

HOLD_ID = str(Decision.system_id("t-1"))
PLAIN_ID = str(Decision.system_id("t-2"))


# --- who may act at all ---------------------------------------------------------------------------


@pytest.mark.parametrize("actor", [REGULATOR, EXCHANGE, Actor("", Role.SENIOR), Actor(" ", Role.ADMIN)])
@pytest.mark.parametrize("action", list(CaseAction))
def test_regulators_exchanges_and_unnamed_users_never_act(actor: Actor, action: CaseAction) -> None:
    case = proposed(make_case(sanctions_hold()), CaseAction.RELEASE)  # even approve has something to check
    reason = refused(act(case, action, actor, note="x"))
    assert "read-only" in reason or "needs a name" in reason


# --- comment, assign, escalate --------------------------------------------------------------------


def test_a_comment_is_recorded_and_changes_nothing() -> None:
    case = make_case(flag())
    verdict = accepted(act(case, CaseAction.COMMENT, ANALYST, at=later(5), note="called the exchange"))
    assert verdict.case == case
    assert verdict.events == (
        CaseEvent("c-1", later(5), "alice", Role.ANALYST, CaseAction.COMMENT, "called the exchange"),
    )
    assert verdict.effects == ()


def test_an_empty_comment_is_refused() -> None:
    assert refused(act(make_case(flag()), CaseAction.COMMENT, ANALYST, note="  ")) == "a comment needs text"


def test_an_analyst_takes_a_case() -> None:
    case = make_case(flag())
    assert case.status is CaseStatus.NEW
    verdict = accepted(act(case, CaseAction.ASSIGN, ANALYST))
    assert (verdict.case.status, verdict.case.assignee) == (CaseStatus.IN_REVIEW, "alice")
    assert verdict.events[0].assignee == "alice"


def test_an_analyst_may_not_assign_someone_else() -> None:
    assert "for themselves" in refused(act(make_case(flag()), CaseAction.ASSIGN, ANALYST, assignee="arif"))


def test_a_senior_assigns_someone_else() -> None:
    verdict = accepted(act(make_case(flag()), CaseAction.ASSIGN, SENIOR, assignee="arif"))
    assert verdict.case.assignee == "arif"


def test_assigning_the_same_officer_again_is_refused() -> None:
    case = accepted(act(make_case(flag()), CaseAction.ASSIGN, ANALYST)).case
    assert "already assigned to alice" in refused(act(case, CaseAction.ASSIGN, Actor("Alice", Role.ANALYST)))
    assert accepted(act(case, CaseAction.ASSIGN, ANALYST_2)).case.assignee == "arif"


def test_assigning_nobody_is_refused() -> None:
    assert "named officer" in refused(act(make_case(flag()), CaseAction.ASSIGN, SENIOR, assignee=" "))


def test_escalation_hands_the_case_to_seniors() -> None:
    taken = accepted(act(make_case(plain_hold()), CaseAction.ASSIGN, ANALYST)).case
    case = accepted(act(taken, CaseAction.ESCALATE, ANALYST, note="over my head")).case
    assert (case.escalated, case.assignee, case.status) == (True, None, CaseStatus.IN_REVIEW)
    assert refused(act(case, CaseAction.ESCALATE, SENIOR)) == "the case is already escalated"
    for action in (CaseAction.ASSIGN, CaseAction.RELEASE, CaseAction.REJECT):
        assert "escalated" in refused(act(case, action, ANALYST))
    assert accepted(act(case, CaseAction.COMMENT, ANALYST, note="fyi")).case == case
    assert accepted(act(case, CaseAction.RELEASE, SENIOR)).case.outcome is Outcome.RELEASED


# --- one-person resolutions -----------------------------------------------------------------------


def test_an_analyst_releases_a_hold_no_list_raised() -> None:
    verdict = accepted(act(make_case(plain_hold()), CaseAction.RELEASE, ANALYST, at=later(30), note="data came"))
    assert (verdict.case.status, verdict.case.outcome, verdict.case.closed_at) == (
        CaseStatus.CLOSED,
        Outcome.RELEASED,
        later(30),
    )
    assert verdict.effects == (ResolveTransfer("c-1", "t-2", PLAIN_ID, Resolution.RELEASE, "alice", None),)
    assert [(e.actor, e.action, e.proposed) for e in verdict.events] == [("alice", CaseAction.RELEASE, False)]


def test_an_analyst_rejects_even_a_sanctions_hold() -> None:
    verdict = accepted(act(make_case(sanctions_hold()), CaseAction.REJECT, ANALYST))
    assert verdict.case.outcome is Outcome.REJECTED
    assert verdict.effects == (ResolveTransfer("c-1", "t-1", HOLD_ID, Resolution.REJECT, "alice", None),)


def test_every_held_transfer_of_the_case_is_resolved() -> None:
    case = make_case(plain_hold("t-2", "acct-9"), plain_hold("t-5", "acct-9"), flag("t-6", "acct-9"))
    verdict = accepted(act(case, CaseAction.REJECT, ANALYST))
    assert [e.transfer_id for e in verdict.effects if isinstance(e, ResolveTransfer)] == ["t-2", "t-5"]


@pytest.mark.parametrize("action", [CaseAction.RELEASE, CaseAction.REJECT])
def test_release_and_reject_need_something_held(action: CaseAction) -> None:
    assert "nothing in this case is held" in refused(act(make_case(flag()), action, SENIOR))


def test_an_analyst_closes_a_flag_as_false_positive() -> None:
    verdict = accepted(act(make_case(flag()), CaseAction.CLOSE_FALSE_POSITIVE, ANALYST))
    assert (verdict.case.status, verdict.case.outcome, verdict.effects) == (
        CaseStatus.CLOSED,
        Outcome.FALSE_POSITIVE,
        (),
    )


def test_the_callers_policy_can_add_four_eyes_but_never_waive_them() -> None:
    stricter = accepted(act(make_case(plain_hold()), CaseAction.REJECT, ANALYST, four_eyes=True))
    assert (stricter.case.status, stricter.effects) == (CaseStatus.AWAITING_APPROVAL, ())
    lax = accepted(act(make_case(sanctions_hold()), CaseAction.RELEASE, ANALYST, four_eyes=False))
    assert (lax.case.status, lax.effects) == (CaseStatus.AWAITING_APPROVAL, ())


# --- closed cases and unfreezing ------------------------------------------------------------------


@pytest.mark.parametrize(
    "action",
    [
        CaseAction.ASSIGN,
        CaseAction.ESCALATE,
        CaseAction.RELEASE,
        CaseAction.REJECT,
        CaseAction.FREEZE,
        CaseAction.MARK_STR,
        CaseAction.CLOSE_FALSE_POSITIVE,
    ],
)
def test_a_closed_case_accepts_only_comments(action: CaseAction) -> None:
    case = accepted(act(make_case(plain_hold()), CaseAction.RELEASE, ANALYST)).case
    assert "the case is closed (released)" in refused(act(case, action, ADMIN))
    assert accepted(act(case, CaseAction.COMMENT, ANALYST, note="customer called")).case == case


def test_only_a_frozen_case_can_be_unfrozen() -> None:
    released = accepted(act(make_case(plain_hold()), CaseAction.RELEASE, ANALYST)).case
    assert refused(act(released, CaseAction.UNFREEZE, SENIOR)) == "only a frozen case can be unfrozen"
    assert (
        refused(act(make_case(sanctions_hold()), CaseAction.UNFREEZE, SENIOR)) == "only a frozen case can be unfrozen"
    )


def test_an_approved_unfreeze_lifts_the_freeze() -> None:
    frozen = frozen_case()
    waiting = proposed(frozen, CaseAction.UNFREEZE, ANALYST_2)
    assert (waiting.status, waiting.outcome, waiting.proposal is not None) == (
        CaseStatus.CLOSED,
        Outcome.FROZEN,
        True,
    )
    assert "pending" in refused(act(waiting, CaseAction.UNFREEZE, SENIOR))
    verdict = accepted(act(waiting, CaseAction.APPROVE, SENIOR_2, at=later(600)))
    assert (verdict.case.status, verdict.case.outcome, verdict.case.closed_at) == (
        CaseStatus.CLOSED,
        Outcome.RELEASED,
        frozen.closed_at,
    )
    assert verdict.effects == (LiftFreeze("c-1", "t-1", "arif", "sami"),)


def test_a_declined_unfreeze_leaves_the_case_frozen() -> None:
    waiting = proposed(frozen_case(), CaseAction.UNFREEZE, ANALYST_2)
    case = accepted(act(waiting, CaseAction.DECLINE, SENIOR)).case
    assert (case.status, case.outcome, case.proposal) == (CaseStatus.CLOSED, Outcome.FROZEN, None)


# --- reading a case -------------------------------------------------------------------------------


def test_a_case_is_overdue_only_while_open() -> None:
    case = make_case(plain_hold())
    assert case.due_at == T0 + timedelta(hours=4)
    assert not case.overdue(case.due_at)
    assert case.overdue(case.due_at + timedelta(seconds=1))
    closed = accepted(act(case, CaseAction.RELEASE, ANALYST)).case
    assert not closed.overdue(case.due_at + timedelta(days=1))


def test_event_payload_carries_what_the_entry_fields_do_not() -> None:
    event = CaseEvent("c-1", T0, "alice", Role.ANALYST, CaseAction.RELEASE, "ok", False, "sara")
    assert event.payload() == {
        "role": "analyst",
        "note": "ok",
        "proposed": False,
        "approved_by": "sara",
        "assignee": None,
    }
