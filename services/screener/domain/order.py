"""The one order in which transfers advance the graph: event time, then transfer id.

Streaming and backtest both screen in this order, so the graph a transfer is screened
against, and therefore its decision, does not depend on how the input was batched.
"""

from __future__ import annotations

from datetime import datetime

from schemas import TransferEvent


def event_order(transfer: TransferEvent) -> tuple[datetime, str]:
    """Sort key: when the transfer happened, ties broken by its id (stable across runs)."""
    return transfer.occurred_at, transfer.transfer_id
