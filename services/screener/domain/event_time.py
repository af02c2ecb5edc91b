"""Event time that one transfer cannot abuse: what the screener does with transfers far ahead or behind.

The graph's window slides with the latest event time it has taken in (its watermark). If one
transfer dated years ahead were taken in, the window would jump there and evict every account
of every exchange, and no graph rule would see anything again, even after a restart (the
rebuild would replay the same record). So:

- **Ahead of the screener's clock** by more than the policy's `graph.max_future_skew_s`: the
  transfer never enters the graph (not when screened, not when read from another partition, not
  when the graph is rebuilt). It is screened by every rule that does not need the graph (lists,
  travel rule, jurisdictions) and held with `system.future_dated`: a transfer that claims to
  happen later is either a clock fault or a probe, and an officer decides. Ingest refuses such
  transfers at the door; this covers records that reached the topic some other way.
- **Behind the window** (older than the watermark minus the window): the graph could not place
  it, since everything it happened beside has been evicted. It is screened without the graph
  rules, and `graph.outside_window` says so in the decision. By default that reason flags the
  transfer (it settles, an officer sees it), because backdating a transfer is also a way to keep
  it out of the patterns; the policy can weigh it differently.

Late transfers inside the window are ordinary: they join the graph where they belong.
"""

from __future__ import annotations

from datetime import datetime

from schemas import Action, Severity, TransferEvent
from services.screener.domain.heuristic import DAY
from services.screener.domain.hit import Hit

FUTURE_DATED = "system.future_dated"
OUTSIDE_WINDOW = "graph.outside_window"


def lead_seconds(transfer: TransferEvent, now: datetime) -> float:
    """How far the transfer's event time is ahead of `now` (negative: behind)."""
    return (transfer.occurred_at - now).total_seconds()


def too_far_ahead(transfer: TransferEvent, now: datetime, max_skew_s: float) -> bool:
    """Whether the transfer claims to happen more than `max_skew_s` after `now`."""
    return lead_seconds(transfer, now) > max_skew_s


def _span(seconds: float) -> str:
    if seconds >= 2 * DAY:
        return f"{seconds / DAY:,.0f} days"
    if seconds >= 2 * 3600:
        return f"{seconds / 3600:,.0f} hours"
    return f"{seconds:,.0f} seconds"


def future_dated_hit(transfer: TransferEvent, now: datetime, max_skew_s: float) -> Hit:
    lead = lead_seconds(transfer, now)
    return Hit(
        rule_id=FUTURE_DATED,
        explanation=(
            f"The transfer is dated {_span(lead)} after it was screened (more than the {_span(max_skew_s)} "
            "clocks may differ), so it was kept out of the transfer graph and is held until an officer "
            "confirms its date."
        ),
        severity=Severity.HIGH,
        weight=0.0,
        forced=Action.HOLD,
        evidence={
            "occurred_at": transfer.occurred_at.isoformat(),
            "screened_at": now.isoformat(),
            "lead_seconds": round(lead, 3),
            "max_future_skew_s": max_skew_s,
        },
        subjects=(transfer.originator.account_id, transfer.beneficiary.account_id),
    )


def outside_window(transfer: TransferEvent, watermark: float, window_s: float) -> bool:
    """Whether the graph (latest event time `watermark`, epoch seconds) can no longer place the transfer.

    The same comparison the graph makes when it declines to take a transfer (graph.TransferGraph.add)."""
    return transfer.occurred_at.timestamp() < watermark - window_s


def outside_window_hit(transfer: TransferEvent, watermark: float, window_s: float) -> Hit:
    """The reason a transfer behind the window carries; its weight and outcome come from the policy."""
    behind = watermark - transfer.occurred_at.timestamp()
    latest = datetime.fromtimestamp(watermark, transfer.occurred_at.tzinfo)
    return Hit(
        rule_id=OUTSIDE_WINDOW,
        explanation=(
            f"The transfer happened {_span(behind)} before the latest transfer the graph has seen, outside its "
            f"{_span(window_s)} window, so the graph rules could not judge it; the list, travel-rule and "
            "jurisdiction checks ran as usual."
        ),
        severity=Severity.MEDIUM,
        weight=0.0,
        evidence={
            "occurred_at": transfer.occurred_at.isoformat(),
            "graph_latest": latest.isoformat(),
            "behind_seconds": round(behind, 3),
            "window_days": window_s / DAY,
        },
        subjects=(transfer.originator.account_id, transfer.beneficiary.account_id),
    )
