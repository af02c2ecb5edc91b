"""Cycles (round-tripping): the funds of a transfer came from its own receiver through 1..k-1 hops.

The search walks backwards from the payer over in-edges inside the window whose amounts stay
within a tolerance of the closing transfer and that arrived no later than the transfer they
funded, give or take `max_lag_hours` (a launderer may pay the next hop from balance a little
before the funds arrive): money has to come in before it can be passed on, so a ring of
unrelated payments made in the wrong order is not a round trip. The amount filter prunes almost every branch,
and `max_branching` caps the rest, so a query costs microseconds even at busy accounts.
"""

from __future__ import annotations

from services.screener.domain.graph import SCAN_LIMIT, Edge, TransferGraph
from services.screener.domain.heuristic import HOUR, edge_evidence, hit
from services.screener.domain.hit import Hit
from services.screener.domain.policy import RuleSettings

CYCLE = "graph.cycle"


SEARCH_BUDGET = 256
"""Most accounts one cycle query may expand. When many transfers share one amount, the amount
filter stops pruning and the search would grow exponentially with the hop count; a budget keeps
the cost per transfer bounded (and deterministic) at the price of missing a ring in such a crowd."""


_Path = tuple[Edge, "_Path"] | None


def _edges(path: _Path) -> list[Edge]:
    """The linked path as a list, the edge found last (furthest back) first."""
    found: list[Edge] = []
    while path is not None:
        edge, path = path
        found.append(edge)
    return found


def _path_back(
    graph: TransferGraph, target: str, start: str, amount: float, since: float, until: float, settings: RuleSettings
) -> list[Edge] | None:
    """Depth-first search backwards from `start` for a path of similar amounts that leaves `target`."""
    tolerance, branching = float(settings["amount_tolerance"]), int(settings["max_branching"])
    lag = float(settings["max_lag_hours"]) * HOUR
    max_depth = int(settings["max_hops"]) - 1
    budget = SEARCH_BUDGET
    nodes = graph.nodes
    # Each frame: (account, amount it paid on, when it paid, edges so far, their number, accounts on the
    # path). The edges are a linked list, (newest edge, rest) or None, and the accounts a short tuple:
    # cheaper to extend on every step than a list and a set, and read only when a ring closes.
    stack: list[tuple[str, float, float, _Path, int, tuple[str, ...]]] = [(start, amount, until, None, 0, (start,))]
    while stack and budget > 0:
        at, paid, paid_at, path, depth, on_path = stack.pop()
        budget -= 1
        node = nodes.get(at)
        if node is None:
            continue
        tried = 0
        latest = paid_at + lag
        deeper = depth + 1 < max_depth
        # `recent(node.in_edges, since)` and `similar(inbound.amount, paid, tolerance)`, inlined:
        # this loop runs for every transfer.
        limit = SCAN_LIMIT
        for inbound in reversed(node.in_edges):
            ts = inbound.ts
            if ts < since or limit <= 0:
                break
            limit -= 1
            if ts > latest:
                continue
            src = inbound.src
            if src in on_path:
                continue
            got = inbound.amount
            if got >= paid:
                if got - paid > tolerance * got:
                    continue
            elif paid - got > tolerance * paid:
                continue
            if src == target:
                return _edges((inbound, path))
            if deeper:
                stack.append((src, got, ts, (inbound, path), depth + 1, (*on_path, src)))
            tried += 1
            if tried >= branching:
                break
    return None


def cycle(graph: TransferGraph, edge: Edge, settings: RuleSettings) -> Hit | None:
    """Funds returned to where they started through a ring of accounts, amounts nearly unchanged."""
    if edge.src == edge.dst:
        return None
    since = edge.ts - float(settings["window_hours"]) * HOUR
    path = _path_back(graph, edge.dst, edge.src, edge.amount, since, edge.ts, settings)
    return None if path is None else cycle_hit(edge, path, settings)


def cycle_hit(edge: Edge, path: list[Edge], settings: RuleSettings) -> Hit:
    """`path`: the ring's earlier edges, the one furthest back (leaving the receiver) first."""
    ring = [e.src for e in path] + [edge.src]
    return hit(
        CYCLE,
        settings,
        f"Funds went round a ring of {len(ring)} accounts back to {edge.dst} with amounts nearly unchanged "
        "(round-tripping).",
        {"ring": ring, "hops": len(ring), "edges": edge_evidence([*path, edge])},
        ring,
    )
