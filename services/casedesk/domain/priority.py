"""How urgent a case is, and by when it must be handled.

Holds come first because funds are waiting in escrow: a pre-settlement block needs near-real-time
handling (minutes to hours). A retro hit comes next: a party already paid out now matches a list,
and targeted financial sanctions are to be applied "without delay". Flags follow by score: the
screener's score is a sum of rule weights (the default flag band is 0.5), so a flag at twice the
band combines at least two patterns.

No regulator sets alert SLAs; the defaults follow the industry benchmarks in the domain brief (§5:
P1 within 24 hours, P2 5-10 business days, P3 30 days), tightened for blocked funds and list hits.
Hours are calendar hours: business-day calendars belong to the deployment's configuration.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from enum import IntEnum

from services.casedesk.domain.alert import AlertKind, CaseAlert


class Priority(IntEnum):
    """1 is the most urgent; a lower number always sorts first."""

    FUNDS_WAITING = 1
    """A held transfer, or a delisting's proposal to release one."""
    LISTED_PARTY = 2
    """A retro-screening hit on a party already seen."""
    HIGH_SCORE = 3
    """A flag scoring at least `HIGH_SCORE`."""
    ROUTINE = 4
    """Any other flag."""


HIGH_SCORE = 1.0
"""Twice the default flag band of the policy file."""

DEFAULT_SLA_HOURS: Mapping[int, float] = {
    Priority.FUNDS_WAITING: 4.0,
    Priority.LISTED_PARTY: 12.0,
    Priority.HIGH_SCORE: 120.0,
    Priority.ROUTINE: 720.0,
}


def priority(alerts: Iterable[CaseAlert]) -> Priority:
    """The priority of a case made of `alerts`: its most urgent alert decides.

    Monotone: adding an alert never makes a case less urgent. An empty case is routine.
    """
    best = Priority.ROUTINE
    for alert in alerts:
        if alert.kind in (AlertKind.HOLD, AlertKind.RELEASE_PROPOSAL):
            return Priority.FUNDS_WAITING
        if alert.kind is AlertKind.RETRO_HIT:
            best = min(best, Priority.LISTED_PARTY)
        elif alert.score >= HIGH_SCORE:
            best = min(best, Priority.HIGH_SCORE)
    return best


def due_at(opened_at: datetime, priority: int, sla_hours: Mapping[int, float]) -> datetime:
    """When a case of `priority` opened (or made that urgent) at `opened_at` must be handled.

    A priority missing from `sla_hours` gets the shortest configured SLA: a gap in configuration
    must make a case due sooner, never later. Raises ValueError for an empty mapping or a negative
    or NaN SLA (a configuration error, found at start-up when the settings are checked).
    """
    if not sla_hours:
        raise ValueError("sla_hours configures no priority")
    if not all(hours >= 0 for hours in sla_hours.values()):  # also refuses NaN
        raise ValueError("an SLA must be a number of hours, zero or more")
    hours = sla_hours.get(int(priority), min(sla_hours.values()))
    return opened_at + timedelta(hours=hours)
