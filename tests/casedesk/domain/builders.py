"""Builders for case-desk test data: wire decisions and alerts as the screener makes them, and cases."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from schemas import Action, Alert, AlertKind, Decision, Reason, Severity
from services.casedesk.domain.alert import CaseAlert
from services.casedesk.domain.case import Accepted, Actor, Case, CaseAction, Refused, Role, Verdict, decide
from services.casedesk.domain.grouping import absorb
from services.casedesk.domain.priority import DEFAULT_SLA_HOURS

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday
SLA: Mapping[int, float] = DEFAULT_SLA_HOURS

ANALYST = Actor("alice", Role.ANALYST)
ANALYST_2 = Actor("arif", Role.ANALYST)
SENIOR = Actor("sara", Role.SENIOR)
SENIOR_2 = Actor("sami", Role.SENIOR)
ADMIN = Actor("root", Role.ADMIN)
REGULATOR = Actor("fmu", Role.REGULATOR)
EXCHANGE = Actor("exchange-1", Role.EXCHANGE)


def reason(rule_id: str, *subjects: str, **evidence: Any) -> Reason:
    return Reason(
        rule_id=rule_id,
        explanation=f"{rule_id} fired",
        severity=Severity.HIGH,
        evidence=evidence,
        subjects=subjects,
    )


def name_hit(entry_key: str = "un:QDi.001", account: str = "acct-1", name: str = "Ali Khan") -> Reason:
    return reason("sanctions.name", account, entry_key=entry_key, party_name=name, score=0.93)


def wallet_hit(entry_key: str = "ofac:1234", account: str = "acct-1", wallet: str = "0xabc") -> Reason:
    return reason("sanctions.wallet", account, entry_key=entry_key, wallet_address=wallet, listed_address=wallet)


def decision(
    transfer_id: str = "t-1", action: Action = Action.HOLD, *reasons: Reason, score: float = 0.0, **overrides: Any
) -> Decision:
    values: dict[str, Any] = {
        "decision_id": Decision.system_id(transfer_id),
        "transfer_id": transfer_id,
        "action": action,
        "score": score,
        "reasons": reasons,
        "policy_version": "policy-test",
        "watchlist_version": "wl-test",
        "decided_at": T0,
    }
    values.update(overrides)
    return Decision(**values)


def case_alert(
    transfer_id: str = "t-1", action: Action = Action.HOLD, *reasons: Reason, score: float = 0.0, **overrides: Any
) -> CaseAlert:
    made = CaseAlert.from_decision(decision(transfer_id, action, *reasons, score=score, **overrides), "ex-1")
    assert made is not None
    return made


def sanctions_hold(transfer_id: str = "t-1", entry_key: str = "un:QDi.001") -> CaseAlert:
    return case_alert(transfer_id, Action.HOLD, name_hit(entry_key))


def plain_hold(transfer_id: str = "t-2", account: str = "acct-9") -> CaseAlert:
    """A hold no four-eyes rule raised: missing travel-rule data."""
    return case_alert(transfer_id, Action.HOLD, reason("travel_rule.missing_originator", account))


def flag(transfer_id: str = "t-3", account: str = "acct-9", score: float = 0.5) -> CaseAlert:
    return case_alert(transfer_id, Action.FLAG, reason("graph.fan_in", account, "acct-8"), score=score)


def wire_alert(
    kind: AlertKind = AlertKind.RETRO_HIT,
    entry_key: str = "un:QDi.001",
    transfer_ids: tuple[str, ...] = ("t-old",),
    subjects: tuple[str, ...] = ("acct-1",),
    score: float | None = 0.91,
    **overrides: Any,
) -> Alert:
    values: dict[str, Any] = {
        "alert_id": Alert.derive_id(kind, "wl-2", entry_key, subjects[0] if subjects else transfer_ids[0]),
        "kind": kind,
        "watchlist_version": "wl-2",
        "entry_key": entry_key,
        "transfer_ids": transfer_ids,
        "subjects": subjects,
        "score": score,
        "explanation": "New list version: a hit",
        "evidence": {"party": {"account_id": "acct-1", "name": "Ali Khan"}},
        "raised_at": T0,
    }
    values.update(overrides)
    return Alert(**values)


def make_case(*alerts: CaseAlert, case_id: str = "c-1", at: datetime = T0) -> Case:
    """A case built the way the desk builds it: by absorbing alerts in order."""
    cases: dict[str, Case] = {}
    for alert in alerts:
        cases = absorb(cases, alert, at, SLA, case_id).into(cases)
    (case,) = cases.values()
    return case


def accepted(verdict: Verdict) -> Accepted:
    assert isinstance(verdict, Accepted), verdict
    return verdict


def refused(verdict: Verdict) -> str:
    assert isinstance(verdict, Refused), verdict
    return verdict.reason


def act(
    case: Case,
    action: CaseAction,
    actor: Actor,
    *,
    at: datetime = T0,
    four_eyes: bool = False,
    note: str = "",
    assignee: str | None = None,
) -> Verdict:
    return decide(case, action, actor, at, needs_four_eyes=four_eyes, note=note, assignee=assignee)


def proposed(case: Case, action: CaseAction, maker: Actor = ANALYST) -> Case:
    """`case` after `maker` proposed `action` (asserting it became a proposal, with no effects yet)."""
    verdict = accepted(act(case, action, maker, note="why"))
    assert verdict.effects == ()
    assert verdict.case.proposal is not None
    return verdict.case


def frozen_case() -> Case:
    """A case whose sanctions hold was frozen by alice and approved by sara."""
    return accepted(act(proposed(make_case(sanctions_hold()), CaseAction.FREEZE), CaseAction.APPROVE, SENIOR)).case


def later(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def random_id() -> str:
    return str(uuid.uuid4())
