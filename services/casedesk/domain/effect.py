"""What a case decision asks the outside world to do; the adapter publishes, the domain only says so.

Every effect names the officer who made the decision and, for a four-eyes action, the officer who
approved it, so that what is published (a resolution `Decision`'s `decided_by`, a suppression record,
a report task) can be traced to both people.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from schemas.decision import Resolution

FREEZE_REPORT_WINDOW = timedelta(hours=48)
"""ATA 1997 s.11-O: a freeze is reported to the federal government within 48 hours (domain brief §0)."""
STR_WORKING_DAYS = 7
"""AMLA 2010 s.7 (2015 text): an STR is filed promptly and no later than 7 working days (domain brief §0)."""


class ReportKind(StrEnum):
    STR = "str"
    FREEZE = "freeze"


@dataclass(frozen=True, slots=True)
class ResolveTransfer:
    """Publish an officer's resolution `Decision` superseding the hold that put the transfer in escrow."""

    case_id: str
    transfer_id: str
    supersedes: str
    """The decision id of the hold in force."""
    resolution: Resolution
    decided_by: str
    approved_by: str | None = None


@dataclass(frozen=True, slots=True)
class LiftFreeze:
    """A frozen transfer may settle after all.

    The ledger applies resolutions only to a hold, and a freeze is final to it; lifting one is its own
    instruction, which the adapter turns into whatever the ledger's operators accept.
    """

    case_id: str
    transfer_id: str
    decided_by: str
    approved_by: str | None = None


@dataclass(frozen=True, slots=True)
class RecordSuppression:
    """This party is not this list entry: screeners stop raising the pair (a compacted topic)."""

    case_id: str
    entry_key: str
    account_id: str | None
    party_name: str | None
    decided_by: str
    approved_by: str | None = None


@dataclass(frozen=True, slots=True)
class ReportDue:
    """A report to the FMU (goAML) is owed by `due_at`."""

    case_id: str
    kind: ReportKind
    due_at: datetime
    subjects: tuple[str, ...]
    decided_by: str
    approved_by: str | None = None


Effect = ResolveTransfer | LiftFreeze | RecordSuppression | ReportDue


def report_due_at(kind: ReportKind, decided_at: datetime) -> datetime:
    """The deadline of a report decided at `decided_at`.

    Working days skip Saturday and Sunday in `decided_at`'s own time zone; public holidays are not
    known here, so the deadline can only be early, never late.
    """
    if kind is ReportKind.FREEZE:
        return decided_at + FREEZE_REPORT_WINDOW
    at, left = decided_at, STR_WORKING_DAYS
    while left:
        at += timedelta(days=1)
        if at.weekday() < 5:
            left -= 1
    return at
