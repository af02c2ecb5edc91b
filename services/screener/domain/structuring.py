"""Structuring: several transfers just below a reporting threshold from one account within a day.

Thresholds are per fiat currency (travel rule USD/EUR 1,000, Pakistan's PKR 2 million CTR
line, ...) and come from the policy. A transfer without a fiat value is never counted, since
comparing a token amount with a fiat line would be meaningless.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.screener.domain.graph import Edge, TransferGraph, newest, recent
from services.screener.domain.heuristic import HOUR, edge_evidence, hit
from services.screener.domain.hit import Hit
from services.screener.domain.policy import RuleSettings

STRUCTURING = "graph.structuring"


def thresholds(settings: RuleSettings) -> dict[str, float]:
    """The policy's `thresholds = [{currency = "USD", amount = 1000}, ...]` as currency → amount."""
    table: dict[str, float] = {}
    for item in settings["thresholds"]:
        entry: Mapping[str, Any] = item
        table[str(entry["currency"])] = float(entry["amount"])
    return table


def structuring(graph: TransferGraph, edge: Edge, settings: RuleSettings) -> Hit | None:
    """Several transfers from one account fell just below a reporting threshold within a short window."""
    if edge.value <= 0:
        return None  # checked first: most transfers carry no fiat value and need no table
    line = thresholds(settings).get(edge.currency)
    if line is None:
        return None
    floor = line * (1 - float(settings["margin"]))
    if not floor <= edge.value < line:
        return None
    since = edge.ts - float(settings["window_hours"]) * HOUR
    sent = recent(graph.nodes[edge.src].out_edges, since)
    near = [e for e in sent if e.currency == edge.currency and floor <= e.value < line]
    if len(near) < int(settings["min_transfers"]):
        return None
    return structuring_hit(edge, line, near, settings)


def structuring_hit(edge: Edge, line: float, near: list[Edge], settings: RuleSettings) -> Hit:
    return hit(
        STRUCTURING,
        settings,
        f"{edge.src} made {len(near)} transfers just below the {line:,.0f} {edge.currency} reporting line "
        f"within {settings['window_hours']:g} hours (structuring).",
        {
            "account": edge.src,
            "threshold": line,
            "currency": edge.currency,
            "transfers": len(near),
            "edges": edge_evidence(near),
        },
        (edge.src, *(e.dst for e in near)),
    )


SPLIT_TRANSFERS = "graph.split_transfers"


def split_transfers(graph: TransferGraph, edge: Edge, settings: RuleSettings) -> Hit | None:
    """One account paid the same receiver several times within hours instead of once (splitting)."""
    since = edge.ts - float(settings["window_hours"]) * HOUR
    dst = edge.dst
    repeats = [e for e in newest(graph.nodes[edge.src].out_edges, since) if e.dst == dst]
    if len(repeats) < int(settings["min_transfers"]):
        return None
    return split_transfers_hit(edge, repeats, settings)


def split_transfers_hit(edge: Edge, repeats: list[Edge], settings: RuleSettings) -> Hit:
    return hit(
        SPLIT_TRANSFERS,
        settings,
        f"{edge.src} paid {edge.dst} {len(repeats)} times within {settings['window_hours']:g} hours "
        "(payment split into several transfers).",
        {"account": edge.src, "counterparty": edge.dst, "transfers": len(repeats), "edges": edge_evidence(repeats)},
        (edge.src, edge.dst),
    )
