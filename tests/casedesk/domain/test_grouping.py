"""Alerts into cases: one open case per subject, idempotent under redelivery, urgency only rising."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from schemas import Action, AlertKind
from services.casedesk.domain.alert import CaseAlert
from services.casedesk.domain.case import Case, CaseAction, CaseStatus, Priority
from services.casedesk.domain.grouping import absorb, open_case_for, open_cases_by_subject
from tests.casedesk.domain.builders import (
    ANALYST,
    SLA,
    T0,
    accepted,
    act,
    case_alert,
    flag,
    later,
    make_case,
    plain_hold,
    reason,
    sanctions_hold,
    wire_alert,
)


def test_the_first_alert_opens_a_case() -> None:
    alert = plain_hold("t-2", "acct-9")
    absorbed = absorb({}, alert, later(3), SLA, "c-new")
    assert (absorbed.opened, absorbed.changed) == (True, True)
    case = absorbed.case
    assert (case.case_id, case.subject, case.exchange_id, case.status) == (
        "c-new",
        "account:acct-9",
        "ex-1",
        CaseStatus.NEW,
    )
    assert (case.priority, case.opened_at, case.alert_ids) == (Priority.FUNDS_WAITING, later(3), (alert.alert_id,))
    assert case.due_at == T0 + timedelta(hours=4)  # the clock runs from the hold, not from reading it


def test_an_alert_of_the_same_subject_joins_the_open_case() -> None:
    first, second = plain_hold("t-2", "acct-9"), flag("t-3", "acct-9")
    cases = absorb({}, first, T0, SLA, "c-1").into({})
    absorbed = absorb(cases, second, later(1), SLA, "c-2")
    assert (absorbed.opened, absorbed.changed, absorbed.case.case_id) == (False, True, "c-1")
    assert absorbed.case.alert_ids == (first.alert_id, second.alert_id)
    assert set(absorbed.into(cases)) == {"c-1"}


def test_another_subject_opens_another_case() -> None:
    cases = absorb({}, plain_hold("t-2", "acct-9"), T0, SLA, "c-1").into({})
    absorbed = absorb(cases, flag("t-3", "acct-7"), T0, SLA, "c-2")
    assert (absorbed.opened, absorbed.case.case_id) == (True, "c-2")
    assert set(absorbed.into(cases)) == {"c-1", "c-2"}


def test_absorbing_an_alert_twice_changes_nothing() -> None:
    alert = sanctions_hold()
    cases = absorb({}, alert, T0, SLA, "c-1").into({})
    again = absorb(cases, alert, later(5), SLA, "c-2")
    assert (again.opened, again.changed, again.case) == (False, False, cases["c-1"])
    assert again.into(cases) == cases


def test_a_redelivered_decision_is_the_same_alert() -> None:
    cases = absorb({}, sanctions_hold("t-1"), T0, SLA, "c-1").into({})
    assert not absorb(cases, sanctions_hold("t-1"), later(1), SLA, "c-2").changed


def test_an_alert_already_in_a_closed_case_changes_nothing() -> None:
    alert = plain_hold()
    closed = accepted(act(make_case(alert), CaseAction.RELEASE, ANALYST)).case
    again = absorb({"c-1": closed}, alert, later(10), SLA, "c-2")
    assert (again.changed, again.case) == (False, closed)


def test_a_closed_case_is_never_reopened() -> None:
    closed = accepted(act(make_case(plain_hold("t-2", "acct-9")), CaseAction.RELEASE, ANALYST)).case
    absorbed = absorb({"c-1": closed}, plain_hold("t-8", "acct-9"), later(10), SLA, "c-2")
    assert (absorbed.opened, absorbed.case.case_id, absorbed.case.status) == (True, "c-2", CaseStatus.NEW)


def test_a_new_hold_raises_the_priority_and_brings_the_deadline_forward() -> None:
    case = make_case(flag("t-3", "acct-9", score=0.5))
    assert (case.priority, case.due_at) == (Priority.ROUTINE, T0 + timedelta(hours=720))
    hold = plain_hold("t-4", "acct-9")
    hold = replace(hold, raised_at=later(60))
    raised = absorb({"c-1": case}, hold, later(61), SLA, "c-2").case
    assert (raised.priority, raised.due_at) == (Priority.FUNDS_WAITING, later(60) + timedelta(hours=4))


def test_a_less_urgent_alert_never_pushes_the_deadline_back() -> None:
    case = make_case(plain_hold("t-2", "acct-9"))
    joined = absorb({"c-1": case}, replace(flag("t-3", "acct-9"), raised_at=later(200)), later(200), SLA, "c-2").case
    assert (joined.priority, joined.due_at) == (case.priority, case.due_at)


def test_a_second_hold_does_not_restart_the_clock() -> None:
    case = make_case(plain_hold("t-2", "acct-9"))
    later_hold = replace(plain_hold("t-5", "acct-9"), raised_at=later(120))
    assert absorb({"c-1": case}, later_hold, later(120), SLA, "c-2").case.due_at == case.due_at


def test_an_alert_from_the_future_starts_its_clock_now() -> None:
    ahead = replace(plain_hold(), raised_at=T0 + timedelta(days=2))
    assert absorb({}, ahead, T0, SLA, "c-1").case.due_at == T0 + timedelta(hours=4)


def test_a_joining_alert_withdraws_a_pending_proposal() -> None:
    case = make_case(sanctions_hold("t-1"))
    proposed = accepted(act(case, CaseAction.RELEASE, ANALYST)).case
    assert proposed.status is CaseStatus.AWAITING_APPROVAL
    absorbed = absorb({"c-1": proposed}, sanctions_hold("t-6"), later(5), SLA, "c-2")
    assert (absorbed.case.status, absorbed.case.proposal) == (CaseStatus.IN_REVIEW, None)
    assert "alice's proposal to release is withdrawn" in absorbed.note


def test_a_retro_hit_and_the_hold_of_its_entry_share_a_case_and_the_exchange_is_learnt() -> None:
    retro = CaseAlert.from_alert(wire_alert(AlertKind.RETRO_HIT, "un:QDi.001"))
    cases = absorb({}, retro, T0, SLA, "c-1").into({})
    assert cases["c-1"].exchange_id is None
    joined = absorb(cases, sanctions_hold("t-1", "un:QDi.001"), T0, SLA, "c-2").case
    assert (joined.case_id, joined.exchange_id, joined.priority) == ("c-1", "ex-1", Priority.FUNDS_WAITING)


def test_a_delisting_proposal_joins_the_case_of_its_hold() -> None:
    hold = case_alert("t-1", Action.HOLD, reason("sanctions.name", "acct-1", entry_key="un:Z"))
    cases = absorb({}, hold, T0, SLA, "c-1").into({})
    proposal = CaseAlert.from_alert(wire_alert(AlertKind.RELEASE_PROPOSAL, "un:Z", ("t-1",), (), None))
    assert absorb(cases, proposal, later(1), SLA, "c-2").case.case_id == "c-1"


def test_a_taken_case_id_is_a_bug() -> None:
    cases = absorb({}, plain_hold("t-2", "acct-9"), T0, SLA, "c-1").into({})
    with pytest.raises(ValueError, match="c-1 is taken"):
        absorb(cases, flag("t-3", "acct-7"), T0, SLA, "c-1")


def test_into_does_not_modify_the_book() -> None:
    cases: dict[str, Case] = {}
    absorb(cases, flag(), T0, SLA, "c-1").into(cases)
    assert cases == {}


def test_open_case_for_ignores_closed_cases() -> None:
    alert = plain_hold("t-2", "acct-9")
    case = make_case(alert)
    assert open_case_for(alert, {case.subject: case}) == "c-1"
    closed = replace(case, status=CaseStatus.CLOSED)
    assert open_case_for(alert, {case.subject: closed}) is None
    assert open_case_for(alert, {}) is None


def test_open_cases_by_subject_prefers_the_earliest_and_skips_closed() -> None:
    old = make_case(flag(), case_id="c-old")
    new = replace(old, case_id="c-new", opened_at=later(5))
    closed = replace(old, case_id="c-closed", opened_at=T0 - timedelta(days=1), status=CaseStatus.CLOSED)
    assert open_cases_by_subject([new, closed, old]) == {old.subject: old}
