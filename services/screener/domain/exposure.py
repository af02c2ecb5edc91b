"""Exposure to listed wallets: direct (the counterparty is listed) and within N hops, with a share.

Taint flows forward with the money: when an account that holds listed-origin funds pays
someone, the payee receives the same share of its payment as tainted, one hop further out.
That is computed once per transfer, so a query is a scan of a short deque, never a search.
"""

from __future__ import annotations

from services.screener.domain.graph import Edge, Node, TransferGraph, total
from services.screener.domain.heuristic import edge_evidence, hit
from services.screener.domain.hit import Hit
from services.screener.domain.policy import RuleSettings

DIRECT = "graph.exposure.direct"
INDIRECT = "graph.exposure.indirect"


def taint_share(node: Node) -> tuple[int, float, str] | None:
    """(fewest hops, share of inflow from listed sources, nearest listed source) of an account."""
    if node.listed:
        return 0, 1.0, ""
    if not node.tainted:
        return None
    inflow = total(e.amount for e in node.in_edges)
    hops = min(t[1] for t in node.tainted)
    source = next(t[3] for t in node.tainted if t[1] == hops)
    tainted = total(t[2] for t in node.tainted)
    return hops, (min(1.0, tainted / inflow) if inflow > 0 else 0.0), source


def propagate(graph: TransferGraph, edge: Edge, max_hops: int) -> None:
    """Carry the payer's listed-origin share onto the payee, one hop further out."""
    src = graph.nodes[edge.src]
    if not src.listed and not src.tainted:
        return
    found = taint_share(src)
    if found is None or found[0] + 1 > max_hops:
        return
    hops, share, source = found
    graph.nodes[edge.dst].tainted.append((edge.ts, hops + 1, edge.amount * share, source or edge.src))


def direct_exposure(graph: TransferGraph, edge: Edge, settings: RuleSettings) -> Hit | None:
    """The counterparty account is known to use a listed wallet."""
    nodes = graph.nodes
    payee, payer = nodes.get(edge.dst), nodes.get(edge.src)
    if not (payee is not None and payee.listed) and not (payer is not None and payer.listed):
        return None  # the loop below would find nothing: skip building its tuples
    for role, account, other in (("beneficiary", edge.dst, edge.src), ("originator", edge.src, edge.dst)):
        node = graph.nodes.get(account)
        if node is not None and node.listed:
            return direct_hit(edge, role, account, other, settings)
    return None


def direct_hit(edge: Edge, role: str, account: str, other: str, settings: RuleSettings) -> Hit:
    return hit(
        DIRECT,
        settings,
        f"The {role} account {account} uses a listed wallet: direct exposure.",
        {"listed_account": account, "role": role, "edges": edge_evidence([edge])},
        (account, other),
    )


def indirect_exposure(graph: TransferGraph, edge: Edge, settings: RuleSettings) -> Hit | None:
    """Funds reached this account from a listed wallet within a few hops."""
    max_hops = int(settings["max_hops"])
    nodes = graph.nodes
    for account in (edge.dst, edge.src):
        node = nodes[account]
        if node.listed or not node.tainted:
            continue
        found = taint_share(node)
        if found is None:
            continue
        hops, share, source = found
        if 1 < hops <= max_hops and share >= float(settings["min_share"]):
            return indirect_hit(edge, account, hops, share, source, settings)
    return None


def indirect_hit(edge: Edge, account: str, hops: int, share: float, source: str, settings: RuleSettings) -> Hit:
    return hit(
        INDIRECT,
        settings,
        f"{share:.0%} of the inflow of {account} came from listed wallet holder {source} within {hops} hops.",
        {
            "account": account,
            "hops": hops,
            "share": round(share, 4),
            "listed_source": source,
            "edges": edge_evidence([edge]),
        },
        (account, source, edge.src, edge.dst),
    )
