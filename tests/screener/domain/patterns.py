"""Crafted transfer patterns for the heuristics tests: accounts, amounts and minutes from a start."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from schemas import Party, TransferEvent
from services.screener.domain.graph_screen import GraphScreen
from services.screener.domain.hit import Hit
from services.screener.domain.policy import Policy
from services.screener.domain.watchlist import WatchlistSnapshot

START = datetime(2026, 3, 1, tzinfo=UTC)
EMPTY = WatchlistSnapshot.build("wl-0", [])
Step = tuple[str, str, float, float]  # originator, beneficiary, amount, minutes after START


def policy_with(rule_id: str, **params: Any) -> Policy:
    """A policy that enables one rule with the given thresholds (weight 0.5)."""
    return Policy.parse(
        {
            "version": "test-1",
            "bands": {"flag": 0.5, "hold": 1.0},
            "graph": {"window_days": 30},
            "rules": {rule_id: {"weight": 0.5, **params}},
        }
    )


def event(src: str, dst: str, amount: float, minutes: float, n: int, **extra: Any) -> TransferEvent:
    parties: Mapping[str, Any] = extra.pop("parties", {})
    return TransferEvent(
        transfer_id=f"t{n:05d}",
        occurred_at=START + timedelta(minutes=minutes),
        exchange_id="x",
        asset="USDT",
        chain="tron",
        amount=Decimal(str(amount)),
        originator=Party(account_id=src, **parties.get("originator", {})),
        beneficiary=Party(account_id=dst, **parties.get("beneficiary", {})),
        **extra,
    )


def run(policy: Policy, steps: Iterable[Step], watchlist: WatchlistSnapshot = EMPTY, **extra: Any) -> list[Hit]:
    """Feed the steps in order; the hits of the last transfer."""
    screen = GraphScreen(policy)
    hits: list[Hit] = []
    for n, (src, dst, amount, minutes) in enumerate(steps):
        hits = screen.observe(event(src, dst, amount, minutes, n, **extra), watchlist)
    return hits


def fired(policy: Policy, steps: Iterable[Step], **extra: Any) -> list[str]:
    return [hit.rule_id for hit in run(policy, steps, **extra)]
