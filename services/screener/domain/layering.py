"""Layering: rapid pass-through (money in, most of it out again within minutes) and peel chains."""

from __future__ import annotations

from collections.abc import Sequence

from services.screener.domain.graph import Edge, TransferGraph, newest, recent, total
from services.screener.domain.heuristic import HOUR, edge_evidence, hit
from services.screener.domain.hit import Hit
from services.screener.domain.policy import RuleSettings

PASS_THROUGH = "graph.pass_through"
PEEL_CHAIN = "graph.peel_chain"


def pass_through(graph: TransferGraph, edge: Edge, settings: RuleSettings) -> Hit | None:
    """Most of what this account just received left again within minutes."""
    since = edge.ts - float(settings["window_minutes"]) * 60.0
    node = graph.nodes[edge.src]
    inflow = [e for e in newest(node.in_edges, since) if e.ts <= edge.ts and e.src != edge.dst]
    if not inflow:
        return None
    first_in = min(i.ts for i in inflow)
    outflow = [e for e in newest(node.out_edges, since) if e.ts >= first_in]
    share = total(e.amount for e in outflow) / total(e.amount for e in inflow)
    if not float(settings["min_share_out"]) <= share <= float(settings["max_share_out"]):
        return None
    return pass_through_hit(edge, inflow, outflow, share, settings)


def pass_through_hit(edge: Edge, inflow: list[Edge], outflow: list[Edge], share: float, settings: RuleSettings) -> Hit:
    return hit(
        PASS_THROUGH,
        settings,
        f"{edge.src} passed on {share:.0%} of what it received within {settings['window_minutes']:g} minutes "
        "(rapid pass-through).",
        {"account": edge.src, "share_out": round(share, 4), "edges": edge_evidence([*inflow, *outflow])},
        (*(e.src for e in inflow), edge.src, *(e.dst for e in outflow)),
    )


def _peel(graph: TransferGraph, edge: Edge, settings: RuleSettings) -> tuple[Edge, list[Edge]] | None:
    """The inflow that funded this transfer and the small peels taken off it, when this transfer passes
    the rest of that inflow to a fresh account: the next hop of a peel chain."""
    since = edge.ts - float(settings["window_hours"]) * HOUR
    payer, payee = graph.nodes[edge.src], graph.nodes[edge.dst]
    peel_max = float(settings["max_peel_share"])
    if len(payee.in_edges) != 1 or payee.out_edges:
        return None  # the payee must be fresh: checked first, as it rules out nearly every transfer
    funding = next((e for e in recent(payer.in_edges, since) if e.ts <= edge.ts), None)
    if funding is None or not (1 - peel_max) * funding.amount <= edge.amount < funding.amount:
        return None
    peels = [e for e in newest(payer.out_edges, funding.ts) if e is not edge and e.amount <= peel_max * funding.amount]
    return (funding, peels) if peels else None


def extend_chain(graph: TransferGraph, edge: Edge, settings: RuleSettings) -> None:
    """Graph upkeep for every transfer the graph learns, screened here or not: a payee reached by a
    peel-chain hop remembers the chain, so the next hop sees how long it already is, whichever
    replica screens it."""
    found = _peel(graph, edge, settings)
    if found is not None:
        graph.nodes[edge.dst].chain = (graph.nodes[edge.src].chain or (found[0].src,)) + (edge.src,)


def peel_chain(graph: TransferGraph, edge: Edge, settings: RuleSettings) -> Hit | None:
    """Hop after hop, a small amount is peeled off and the rest moves on to a fresh account."""
    found = _peel(graph, edge, settings)
    if found is None:
        return None
    funding, peels = found
    chain = graph.nodes[edge.dst].chain  # recorded by `extend_chain` when the graph learnt this transfer
    if len(chain) < int(settings["min_hops"]):
        return None
    return peel_chain_hit(edge, chain, funding, peels, settings)


def peel_chain_hit(edge: Edge, chain: Sequence[str], funding: Edge, peels: list[Edge], settings: RuleSettings) -> Hit:
    hops = len(chain)
    return hit(
        PEEL_CHAIN,
        settings,
        f"A peel chain of {hops} hops: each account kept a small part and passed the rest to a fresh "
        f"account, now {edge.dst}.",
        {"chain": [*chain, edge.dst], "hops": hops, "edges": edge_evidence([funding, *peels, edge])},
        (*chain, edge.dst),
    )
