"""Crafted transfer patterns for the heuristics tests: accounts, amounts and minutes from a start."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from schemas import Party, TransferEvent
from services.screener.domain.graph import Edge
from services.screener.domain.graph_screen import GraphScreen, ReferenceGraphScreen
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


class Both:
    """The compiled graph stage and its Python reference, fed the same transfers: every call checks
    that they agree on the hits, the window's edges and the accounts' exposure."""

    def __init__(self, policy: Policy) -> None:
        self.native = GraphScreen(policy)
        self.reference = ReferenceGraphScreen(policy)

    def _agree(self, transfer: TransferEvent) -> None:
        assert sorted(self.native.edge_keys()) == sorted(self.reference.edge_keys())
        assert len(self.native) == len(self.reference)
        for party in (transfer.originator, transfer.beneficiary):
            assert self.native.exposure_hops(party.account_id) == self.reference.exposure_hops(party.account_id)

    def learn(self, transfer: TransferEvent, watchlist: WatchlistSnapshot) -> Edge:
        edge = self.native.learn(transfer, watchlist)
        assert edge == self.reference.learn(transfer, watchlist)
        self._agree(transfer)
        return edge

    def observe(self, transfer: TransferEvent, watchlist: WatchlistSnapshot) -> list[Hit]:
        hits = self.native.observe(transfer, watchlist)
        assert hits == self.reference.observe(transfer, watchlist)
        self._agree(transfer)
        return hits


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
    screen = Both(policy)
    hits: list[Hit] = []
    for n, (src, dst, amount, minutes) in enumerate(steps):
        hits = screen.observe(event(src, dst, amount, minutes, n, **extra), watchlist)
    return hits


def fired(policy: Policy, steps: Iterable[Step], **extra: Any) -> list[str]:
    return [hit.rule_id for hit in run(policy, steps, **extra)]
