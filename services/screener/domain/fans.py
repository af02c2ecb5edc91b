"""Fan-in (many-to-one) and fan-out (one-to-many) of similar amounts within a short window."""

from __future__ import annotations

from collections.abc import Iterator

from services.screener.domain.graph import Edge, TransferGraph, recent
from services.screener.domain.heuristic import HOUR, edge_evidence, hit
from services.screener.domain.hit import Hit
from services.screener.domain.policy import RuleSettings

FAN_IN = "graph.fan_in"
FAN_OUT = "graph.fan_out"


def _alike(edges: Iterator[Edge], edge: Edge, tolerance: float, far_end: str) -> dict[str, Edge]:
    """The newest edge per distinct counterparty whose amount resembles the current one."""
    found: dict[str, Edge] = {}
    amount = edge.amount
    by_source = far_end == "src"
    for other in edges:
        party = other.src if by_source else other.dst
        # `similar` inlined: this loop is the hottest in the fan rules.
        if party not in found and abs(other.amount - amount) <= tolerance * max(other.amount, amount):
            found[party] = other
    return found


def fan_in(graph: TransferGraph, edge: Edge, settings: RuleSettings) -> Hit | None:
    """Many different senders paid one account similar amounts within a short window."""
    if graph.payers(edge.dst) < int(settings["min_counterparties"]):
        return None
    since = edge.ts - float(settings["window_hours"]) * HOUR
    senders = _alike(recent(graph.nodes[edge.dst].in_edges, since), edge, float(settings["amount_tolerance"]), "src")
    if len(senders) < int(settings["min_counterparties"]):
        return None
    return hit(
        FAN_IN,
        settings,
        f"{len(senders)} different accounts sent {edge.dst} similar amounts within "
        f"{settings['window_hours']:g} hours (many-to-one).",
        {"account": edge.dst, "counterparties": len(senders), "edges": edge_evidence(senders.values())},
        (edge.dst, *senders),
    )


def fan_out(graph: TransferGraph, edge: Edge, settings: RuleSettings) -> Hit | None:
    """One account paid many different receivers similar amounts within a short window."""
    if graph.payees(edge.src) < int(settings["min_counterparties"]):
        return None
    since = edge.ts - float(settings["window_hours"]) * HOUR
    receivers = _alike(recent(graph.nodes[edge.src].out_edges, since), edge, float(settings["amount_tolerance"]), "dst")
    if len(receivers) < int(settings["min_counterparties"]):
        return None
    return hit(
        FAN_OUT,
        settings,
        f"{edge.src} sent similar amounts to {len(receivers)} different accounts within "
        f"{settings['window_hours']:g} hours (one-to-many).",
        {"account": edge.src, "counterparties": len(receivers), "edges": edge_evidence(receivers.values())},
        (edge.src, *receivers),
    )
