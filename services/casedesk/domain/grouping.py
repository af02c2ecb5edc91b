"""Which case an alert belongs to: one open case per subject, opened by its first alert.

Officers work a subject (a listed entry, an account, a wallet), not single transfers: ten held
transfers of one listed person are one decision. A closed case is never reopened; a later alert for
the subject opens a new case, so a closed case's outcome keeps meaning what it meant when it closed.

Delivery is at least once, so absorbing an alert already in any case (open or closed) changes
nothing. Absorbing returns the one case it touched; the caller stores it under its id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from services.casedesk.domain.alert import CaseAlert
from services.casedesk.domain.case import Case, CaseStatus
from services.casedesk.domain.priority import due_at, priority


@dataclass(frozen=True, slots=True)
class Absorbed:
    case: Case
    """The case the alert is in, after absorbing it."""
    opened: bool
    """The alert opened this case."""
    changed: bool
    """False for an alert absorbed before (redelivery): nothing to store."""
    note: str = ""

    def into(self, cases: Mapping[str, Case]) -> dict[str, Case]:
        """`cases` with this case stored under its id (a copy: `cases` is not modified)."""
        return {**cases, self.case.case_id: self.case}


def open_cases_by_subject(cases: Iterable[Case]) -> dict[str, Case]:
    """The open case of every subject; should there be two, the earliest opened (then lowest id) wins."""
    found: dict[str, Case] = {}
    for case in sorted(cases, key=lambda c: (c.opened_at, c.case_id), reverse=True):
        if case.is_open:
            found[case.subject] = case
    return found


def open_case_for(alert: CaseAlert, open_cases_by_subject: Mapping[str, Case]) -> str | None:
    """The id of the open case `alert` joins, or None when it must open one."""
    case = open_cases_by_subject.get(alert.subject)
    return case.case_id if case is not None and case.is_open else None


def _clock_start(alert: CaseAlert, now: datetime) -> datetime:
    # Funds have waited since the alert was raised, not since the desk read it (a backlog after an
    # outage must not buy extra time); a clock ahead of the desk's cannot start the SLA in the future.
    return min(alert.raised_at, now)


def absorb(
    cases: Mapping[str, Case], alert: CaseAlert, now: datetime, sla_hours: Mapping[int, float], new_id: str
) -> Absorbed:
    """Put `alert` into its subject's open case, or open case `new_id` for it.

    Joining can only make a case more urgent: its priority is recomputed over all its alerts and its
    due time is the earlier of the old one and the new priority's SLA from the alert. A pending
    proposal is withdrawn when an alert joins, because its checker would approve a case the maker
    never saw. Raises ValueError if `new_id` names an existing case (a caller's bug, not an input).
    """
    for case in cases.values():
        if alert.alert_id in case.alert_ids:
            return Absorbed(case, opened=False, changed=False, note="alert already absorbed: nothing changes")
    by_subject = open_cases_by_subject(cases.values())
    case_id = open_case_for(alert, by_subject)
    if case_id is None:
        if new_id in cases:
            raise ValueError(f"case id {new_id} is taken")
        level = priority((alert,))
        opened = Case(
            case_id=new_id,
            subject=alert.subject,
            exchange_id=alert.exchange_id,
            status=CaseStatus.NEW,
            priority=level,
            opened_at=now,
            due_at=due_at(_clock_start(alert, now), level, sla_hours),
            alerts=(alert,),
        )
        return Absorbed(opened, opened=True, changed=True, note=f"opened for {alert.subject}")
    case = by_subject[alert.subject]
    alerts = (*case.alerts, alert)
    level = priority(alerts)
    joined = replace(
        case,
        alerts=alerts,
        priority=min(case.priority, level),
        due_at=min(case.due_at, due_at(_clock_start(alert, now), level, sla_hours)),
        exchange_id=case.exchange_id if case.exchange_id is not None else alert.exchange_id,
    )
    note = f"joined the open case of {alert.subject}"
    if case.proposal is not None:
        joined = replace(joined, proposal=None, status=CaseStatus.IN_REVIEW)
        note += f"; {case.proposal.maker}'s proposal to {case.proposal.action} is withdrawn"
    return Absorbed(joined, opened=False, changed=True, note=note)
