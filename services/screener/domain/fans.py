"""Fan-in (many-to-one) and fan-out (one-to-many) within a short window.

A fan counts only *fresh* counterparties: accounts that had no transfer with this account in
the graph window before the fan's own window. A payroll account or a merchant sees the same
payers and payees again and again, so its busy days stay quiet; a laundering fan pulls in
accounts the hub never dealt with before. The test is relative to the account's own history,
never to the size of any amount.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from services.screener.domain.graph import Edge, TransferGraph, newest
from services.screener.domain.heuristic import HOUR, edge_evidence, hit
from services.screener.domain.hit import Hit
from services.screener.domain.policy import RuleSettings

FAN_IN = "graph.fan_in"
FAN_OUT = "graph.fan_out"

HISTORY_LIMIT = 256
"""At most this many of the account's transfers before the fan window are read as its history."""


def _alike(edges: Iterable[Edge], edge: Edge, tolerance: float, far_end: str) -> dict[str, Edge]:
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


def known(edges: deque[Edge], since: float, far_end: str, limit: int = HISTORY_LIMIT) -> tuple[set[str], float | None]:
    """Counterparties of the account's transfers before `since` (its history inside the graph window),
    and the time of the oldest transfer read when the limit cut the history short (else None)."""
    by_source = far_end == "src"
    seen: set[str] = set()
    for other in reversed(edges):
        if other.ts >= since:
            continue
        if limit <= 0:
            return seen, other.ts
        limit -= 1
        seen.add(other.src if by_source else other.dst)
    return seen, None


def fresh(
    graph: TransferGraph,
    found: dict[str, Edge],
    edges: deque[Edge],
    first_seen: float,
    since: float,
    far_end: str,
    settings: RuleSettings,
) -> dict[str, Edge]:
    """The counterparties new to the account, or none when they are no more than its own history predicts."""
    history, cut = known(edges, since, far_end)
    new = {party: e for party, e in found.items() if party not in history}
    # The account's own rate of distinct counterparties before the window, scaled to the window.
    window = float(settings["window_hours"]) * HOUR
    start = cut if cut is not None else max(first_seen, graph.watermark - graph.window)
    span = max(since - start, window)
    expected = len(history) * window / span
    return new if len(new) >= float(settings["min_rise"]) * expected else {}


def _fan(graph: TransferGraph, edge: Edge, settings: RuleSettings, inbound: bool) -> dict[str, Edge] | None:
    """The new counterparties on one side of the account (payers when `inbound`), if they make a fan."""
    need = int(settings["min_counterparties"])
    account = edge.dst if inbound else edge.src
    if (graph.payers(account) if inbound else graph.payees(account)) < need:
        return None
    since = edge.ts - float(settings["window_hours"]) * HOUR
    node = graph.nodes[account]
    edges, far_end = (node.in_edges, "src") if inbound else (node.out_edges, "dst")
    parties = _alike(newest(edges, since), edge, float(settings["amount_tolerance"]), far_end)
    if len(parties) < need:
        return None
    parties = fresh(graph, parties, edges, node.first_seen, since, far_end, settings)
    return parties if len(parties) >= need else None


def fan_in(graph: TransferGraph, edge: Edge, settings: RuleSettings) -> Hit | None:
    """Many different senders, new to this account, paid it within a short window."""
    senders = _fan(graph, edge, settings, inbound=True)
    return None if senders is None else fan_in_hit(edge, senders, settings)


def fan_in_hit(edge: Edge, senders: dict[str, Edge], settings: RuleSettings) -> Hit:
    return hit(
        FAN_IN,
        settings,
        f"{len(senders)} accounts it never dealt with before sent {edge.dst} funds within "
        f"{settings['window_hours']:g} hours (many-to-one).",
        {"account": edge.dst, "counterparties": len(senders), "edges": edge_evidence(senders.values())},
        (edge.dst, *senders),
    )


def fan_out(graph: TransferGraph, edge: Edge, settings: RuleSettings) -> Hit | None:
    """One account paid many different receivers, new to it, within a short window."""
    receivers = _fan(graph, edge, settings, inbound=False)
    return None if receivers is None else fan_out_hit(edge, receivers, settings)


def fan_out_hit(edge: Edge, receivers: dict[str, Edge], settings: RuleSettings) -> Hit:
    return hit(
        FAN_OUT,
        settings,
        f"{edge.src} sent funds to {len(receivers)} accounts it never paid before within "
        f"{settings['window_hours']:g} hours (one-to-many).",
        {"account": edge.src, "counterparties": len(receivers), "edges": edge_evidence(receivers.values())},
        (edge.src, *receivers),
    )
