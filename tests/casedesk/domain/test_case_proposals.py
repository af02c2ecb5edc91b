"""Four-eyes actions on a case: proposals, approval and decline; freeze, false positive and STR."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from schemas import AlertKind, Decision, Resolution
from services.casedesk.domain.alert import CaseAlert
from services.casedesk.domain.case import Actor, CaseAction, CaseStatus, Outcome, Proposal, Role
from services.casedesk.domain.effect import RecordSuppression, ReportDue, ReportKind, ResolveTransfer
from tests.casedesk.domain.builders import (
    ADMIN,
    ANALYST,
    ANALYST_2,
    SENIOR,
    SENIOR_2,
    T0,
    accepted,
    act,
    flag,
    later,
    make_case,
    plain_hold,
    proposed,
    refused,
    sanctions_hold,
    wire_alert,
)

HOLD_ID = str(Decision.system_id("t-1"))


# --- proposals, approval and decline --------------------------------------------------------------


def test_releasing_a_sanctions_hold_is_a_proposal() -> None:
    case = make_case(sanctions_hold())
    verdict = accepted(act(case, CaseAction.RELEASE, ANALYST, at=later(1), note="namesake, other DOB"))
    assert verdict.case.status is CaseStatus.AWAITING_APPROVAL
    assert verdict.case.proposal == Proposal(
        CaseAction.RELEASE, "alice", Role.ANALYST, later(1), case.alert_ids, "namesake, other DOB"
    )
    assert verdict.effects == ()
    assert [(e.action, e.proposed) for e in verdict.events] == [(CaseAction.RELEASE, True)]


def test_a_different_senior_approves_and_the_release_takes_effect() -> None:
    case = proposed(make_case(sanctions_hold()), CaseAction.RELEASE)
    verdict = accepted(act(case, CaseAction.APPROVE, SENIOR, at=later(9), note="agreed"))
    assert (verdict.case.status, verdict.case.outcome, verdict.case.proposal) == (
        CaseStatus.CLOSED,
        Outcome.RELEASED,
        None,
    )
    assert verdict.effects == (ResolveTransfer("c-1", "t-1", HOLD_ID, Resolution.RELEASE, "alice", "sara"),)
    assert [(e.actor, e.action, e.approved_by) for e in verdict.events] == [
        ("sara", CaseAction.APPROVE, None),
        ("alice", CaseAction.RELEASE, "sara"),
    ]


def test_an_admin_may_approve() -> None:
    case = proposed(make_case(sanctions_hold()), CaseAction.RELEASE)
    assert accepted(act(case, CaseAction.APPROVE, ADMIN)).case.outcome is Outcome.RELEASED


def test_a_seniors_own_four_eyes_action_is_a_proposal_they_cannot_approve() -> None:
    case = proposed(make_case(sanctions_hold()), CaseAction.RELEASE, SENIOR)
    assert "cannot check it" in refused(act(case, CaseAction.APPROVE, SENIOR))
    assert "cannot check it" in refused(act(case, CaseAction.APPROVE, Actor("SARA ", Role.ADMIN)))
    assert accepted(act(case, CaseAction.APPROVE, SENIOR_2)).case.outcome is Outcome.RELEASED


@pytest.mark.parametrize("action", [CaseAction.APPROVE, CaseAction.DECLINE])
def test_an_analyst_cannot_check(action: CaseAction) -> None:
    case = proposed(make_case(sanctions_hold()), CaseAction.RELEASE)
    assert "only a senior officer or an admin" in refused(act(case, action, ANALYST_2))


def test_decline_returns_the_case_to_review() -> None:
    case = proposed(make_case(sanctions_hold()), CaseAction.RELEASE)
    verdict = accepted(act(case, CaseAction.DECLINE, SENIOR, note="match looks real"))
    assert (verdict.case.status, verdict.case.proposal, verdict.effects) == (CaseStatus.IN_REVIEW, None, ())
    assert [(e.actor, e.action) for e in verdict.events] == [("sara", CaseAction.DECLINE)]
    assert accepted(act(verdict.case, CaseAction.REJECT, ANALYST)).case.outcome is Outcome.REJECTED


def test_the_maker_cannot_decline_their_own_proposal() -> None:
    case = proposed(make_case(sanctions_hold()), CaseAction.RELEASE, SENIOR)
    assert "cannot check it" in refused(act(case, CaseAction.DECLINE, SENIOR))


@pytest.mark.parametrize("action", [CaseAction.APPROVE, CaseAction.DECLINE])
def test_nothing_to_check_without_a_proposal(action: CaseAction) -> None:
    assert refused(act(make_case(sanctions_hold()), action, SENIOR)) == f"there is no proposal to {action}"


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
def test_a_pending_proposal_blocks_other_actions(action: CaseAction) -> None:
    case = proposed(make_case(sanctions_hold()), CaseAction.RELEASE)
    assert "proposal to release is pending" in refused(act(case, action, SENIOR))
    assert accepted(act(case, CaseAction.COMMENT, SENIOR, note="looking")).case == case


def test_approval_refuses_a_case_that_grew_since_the_proposal() -> None:
    case = proposed(make_case(sanctions_hold()), CaseAction.RELEASE)
    grown = replace(case, alerts=(*case.alerts, sanctions_hold("t-7")))
    assert "decline it and propose again" in refused(act(grown, CaseAction.APPROVE, SENIOR))
    assert accepted(act(grown, CaseAction.DECLINE, SENIOR)).case.proposal is None


def test_approval_checks_the_action_again() -> None:
    flagged = make_case(flag())
    odd = replace(flagged, proposal=Proposal(CaseAction.RELEASE, "alice", Role.ANALYST, T0, flagged.alert_ids))
    assert "nothing in this case is held" in refused(act(odd, CaseAction.APPROVE, SENIOR))


def test_a_proposal_is_checked_before_it_is_made() -> None:
    assert "nothing in this case is held" in refused(
        act(make_case(flag()), CaseAction.RELEASE, ANALYST, four_eyes=True)
    )


# --- freeze, false positive, STR ------------------------------------------------------------------


def test_an_approved_freeze_blocks_the_funds_and_a_freeze_report_is_due() -> None:
    case = proposed(make_case(sanctions_hold()), CaseAction.FREEZE)
    verdict = accepted(act(case, CaseAction.APPROVE, SENIOR, at=later(60)))
    assert (verdict.case.status, verdict.case.outcome) == (CaseStatus.CLOSED, Outcome.FROZEN)
    assert verdict.effects == (
        ResolveTransfer("c-1", "t-1", HOLD_ID, Resolution.FREEZE, "alice", "sara"),
        ReportDue(
            "c-1",
            ReportKind.FREEZE,
            later(60) + timedelta(hours=48),
            ("entry:un:QDi.001", "account:acct-1"),
            "alice",
            "sara",
        ),
    )


def test_a_freeze_needs_a_list_match() -> None:
    assert "needs a sanctions list match" in refused(act(make_case(plain_hold()), CaseAction.FREEZE, SENIOR))


def test_a_retro_hit_can_be_frozen_with_nothing_held() -> None:
    case = make_case(CaseAlert.from_alert(wire_alert(AlertKind.RETRO_HIT, score=None)))
    verdict = accepted(act(proposed(case, CaseAction.FREEZE), CaseAction.APPROVE, SENIOR))
    assert verdict.case.outcome is Outcome.FROZEN
    assert [type(e) for e in verdict.effects] == [ReportDue]


def test_an_approved_false_positive_releases_and_suppresses_the_name_match() -> None:
    case = proposed(make_case(sanctions_hold()), CaseAction.CLOSE_FALSE_POSITIVE)
    assert case.status is CaseStatus.AWAITING_APPROVAL
    verdict = accepted(act(case, CaseAction.APPROVE, SENIOR))
    assert verdict.case.outcome is Outcome.FALSE_POSITIVE
    assert verdict.effects == (
        ResolveTransfer("c-1", "t-1", HOLD_ID, Resolution.RELEASE, "alice", "sara"),
        RecordSuppression("c-1", "un:QDi.001", "acct-1", "Ali Khan", "alice", "sara"),
    )


def test_a_plain_release_of_a_name_match_records_no_suppression() -> None:
    case = proposed(make_case(sanctions_hold()), CaseAction.RELEASE)
    effects = accepted(act(case, CaseAction.APPROVE, SENIOR)).effects
    assert not [e for e in effects if isinstance(e, RecordSuppression)]


def test_an_str_on_a_flag_closes_the_case_as_reported() -> None:
    case = proposed(make_case(flag()), CaseAction.MARK_STR)
    verdict = accepted(act(case, CaseAction.APPROVE, SENIOR))  # T0 is a Monday
    assert (verdict.case.status, verdict.case.outcome, verdict.case.reported) == (
        CaseStatus.CLOSED,
        Outcome.REPORTED,
        True,
    )
    assert verdict.effects == (
        ReportDue("c-1", ReportKind.STR, T0 + timedelta(days=9), ("account:acct-9", "account:acct-8"), "alice", "sara"),
    )


def test_an_str_on_a_hold_keeps_the_case_open_until_the_funds_are_decided() -> None:
    case = accepted(act(proposed(make_case(plain_hold()), CaseAction.MARK_STR), CaseAction.APPROVE, SENIOR)).case
    assert (case.status, case.outcome, case.reported) == (CaseStatus.IN_REVIEW, None, True)
    assert refused(act(case, CaseAction.MARK_STR, ANALYST)) == "an STR is already due for this case"
    assert "cannot be closed as a false positive" in refused(act(case, CaseAction.CLOSE_FALSE_POSITIVE, ANALYST))
    done = accepted(act(case, CaseAction.REJECT, ANALYST)).case
    assert (done.status, done.outcome, done.reported) == (CaseStatus.CLOSED, Outcome.REJECTED, True)
