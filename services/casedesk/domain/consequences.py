"""What a deciding action entails: the outcome a case ends with, and what funds and reports it moves.

Every held transfer of the case is resolved together: a case is one subject's matter, and leaving
part of it in escrow would leave funds waiting with nobody's name on them. Preconditions are checked
here, once, for both paths: a one-person action and a proposal (checked again on approval, since the
case may have changed in between).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from schemas.decision import Decision, Resolution
from services.casedesk.domain.alert import AlertKind, CaseAlert
from services.casedesk.domain.effect import (
    Effect,
    LiftFreeze,
    RecordSuppression,
    ReportDue,
    ReportKind,
    ResolveTransfer,
    report_due_at,
)
from services.casedesk.domain.four_eyes import FOUR_EYES_RULES, name_matches
from services.casedesk.domain.officer import CaseAction

if TYPE_CHECKING:  # case.py applies the plans this module makes
    from services.casedesk.domain.case import Case


class Outcome(StrEnum):
    TRUE_MATCH = "true_match"
    """A confirmed match closed without a funds decision of its own (no action of `decide` yields it yet)."""
    FALSE_POSITIVE = "false_positive"
    RELEASED = "released"
    REJECTED = "rejected"
    FROZEN = "frozen"
    REPORTED = "reported"
    """Closed with an STR due and nothing held (a case still holding funds stays open after `mark_str`)."""


@dataclass(frozen=True, slots=True)
class Plan:
    outcome: Outcome | None
    """The outcome the case closes with (for unfreeze: changes to), or None when it stays open."""
    reported: bool
    effects: tuple[Effect, ...]


_RESOLVING = {
    CaseAction.RELEASE: (Resolution.RELEASE, Outcome.RELEASED),
    CaseAction.REJECT: (Resolution.REJECT, Outcome.REJECTED),
}


def held_transfers(alerts: tuple[CaseAlert, ...]) -> tuple[tuple[str, str], ...]:
    """(transfer id, id of the hold decision in force) for every transfer the case holds in escrow.

    A release proposal names its transfer but not the hold; the screener's hold of a transfer always
    has the deterministic id `Decision.system_id`, which the ledger checks `supersedes` against.
    """
    found = {a.transfer_id: a.alert_id for a in alerts if a.kind is AlertKind.HOLD and a.transfer_id}
    for alert in alerts:
        for transfer_id in alert.held_transfer_ids:
            found.setdefault(transfer_id, str(Decision.system_id(transfer_id)))
    return tuple(found.items())


def on_a_list(alerts: tuple[CaseAlert, ...]) -> bool:
    """Whether the case rests on a sanctions list hit (a freeze needs a designated person's interest)."""
    return any(a.matches or FOUR_EYES_RULES.intersection(a.rule_ids) for a in alerts)


def consequences(case: Case, action: CaseAction, maker: str, checker: str | None, now: datetime) -> str | Plan:
    """The plan for `action` on `case`, decided by `maker` (approved by `checker`), or why it cannot be."""
    held = held_transfers(case.alerts)

    def resolve(resolution: Resolution) -> tuple[Effect, ...]:
        return tuple(ResolveTransfer(case.case_id, t, held_by, resolution, maker, checker) for t, held_by in held)

    def report(kind: ReportKind) -> ReportDue:
        subjects = tuple(dict.fromkeys([case.subject, *(s for a in case.alerts for s in a.subjects)]))
        return ReportDue(case.case_id, kind, report_due_at(kind, now), subjects, maker, checker)

    if action in _RESOLVING:
        if not held:
            return f"nothing in this case is held, so there is nothing to {action}"
        resolution, outcome = _RESOLVING[action]
        return Plan(outcome, case.reported, resolve(resolution))
    if action is CaseAction.FREEZE:
        if not on_a_list(case.alerts):
            return "a freeze needs a sanctions list match; reject the transfer or report it instead"
        return Plan(Outcome.FROZEN, case.reported, (*resolve(Resolution.FREEZE), report(ReportKind.FREEZE)))
    if action is CaseAction.CLOSE_FALSE_POSITIVE:
        if case.reported:
            return "a case reported as suspicious cannot be closed as a false positive"
        suppress = tuple(
            RecordSuppression(case.case_id, m.entry_key, m.account_id, m.party_name, maker, checker)
            for m in name_matches(case.alerts)
        )
        return Plan(Outcome.FALSE_POSITIVE, False, (*resolve(Resolution.RELEASE), *suppress))
    if action is CaseAction.MARK_STR:
        if case.reported:
            return "an STR is already due for this case"
        # Reporting is separate from the funds decision: a case still holding funds stays open for it.
        return Plan(None if held else Outcome.REPORTED, True, (report(ReportKind.STR),))
    if action is CaseAction.UNFREEZE:
        if case.outcome is not Outcome.FROZEN:
            return "only a frozen case can be unfrozen"
        lift = tuple(LiftFreeze(case.case_id, t, maker, checker) for t, _ in held)
        return Plan(Outcome.RELEASED, case.reported, lift)
    return f"{action} is not a decision on a case"
