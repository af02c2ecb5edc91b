"""Scatter-gather (one source, many intermediaries, one sink) and gather-scatter (a hub between fans)."""

from __future__ import annotations

from services.screener.domain.fans import fresh
from services.screener.domain.graph import Edge, TransferGraph, newest
from services.screener.domain.heuristic import HOUR, edge_evidence, hit
from services.screener.domain.hit import Hit
from services.screener.domain.policy import RuleSettings

FUNDING_LIMIT = 8
"""Only the intermediary's newest few funders are traced: the pattern's source paid it recently."""
SCATTER_GATHER = "graph.scatter_gather"
GATHER_SCATTER = "graph.gather_scatter"


def scatter_gather(graph: TransferGraph, edge: Edge, settings: RuleSettings) -> Hit | None:
    """Funds from one source split over several accounts and met again at this receiver."""
    sink = edge.dst
    need = int(settings["min_intermediaries"])
    if graph.payers(sink) < need:
        return None  # the cheap check first: most accounts have few payers
    since = edge.ts - float(settings["window_hours"]) * HOUR
    funding = [e for e in newest(graph.nodes[edge.src].in_edges, since, FUNDING_LIMIT) if e.src != sink]
    for source in dict.fromkeys(e.src for e in funding):
        # The source's other payees that also paid this sink: one adjacency lookup each.
        paths = {
            out.dst: out
            for out in newest(graph.nodes[source].out_edges, since)
            if out.dst != sink and graph.pays(out.dst, sink)
        }
        if len(paths) >= need:
            return scatter_gather_hit(edge, source, paths, settings)
    return None


def scatter_gather_hit(edge: Edge, source: str, paths: dict[str, Edge], settings: RuleSettings) -> Hit:
    sink = edge.dst
    return hit(
        SCATTER_GATHER,
        settings,
        f"Funds from {source} were split over {len(paths)} accounts and gathered again at {sink} (scatter-gather).",
        {
            "source": source,
            "sink": sink,
            "intermediaries": sorted(paths),
            "edges": edge_evidence([*paths.values(), edge]),
        },
        (source, *sorted(paths), sink),
    )


def gather_scatter(graph: TransferGraph, edge: Edge, settings: RuleSettings) -> Hit | None:
    """This account collected from many new senders and is paying out to many new receivers."""
    if graph.payers(edge.src) < int(settings["min_sources"]) or graph.payees(edge.src) < int(
        settings["min_destinations"]
    ):
        return None
    since = edge.ts - float(settings["window_hours"]) * HOUR
    hub = graph.nodes[edge.src]
    # Like the fans, both sides count only counterparties new to the hub, and only when there are
    # more of them than the hub's own history predicts.
    senders = {e.src: e for e in newest(hub.in_edges, since)}
    if len(senders) < int(settings["min_sources"]):
        return None
    senders = fresh(graph, senders, hub.in_edges, hub.first_seen, since, "src", settings)
    if len(senders) < int(settings["min_sources"]):
        return None
    receivers = {e.dst: e for e in newest(hub.out_edges, since)}
    if len(receivers) < int(settings["min_destinations"]):
        return None
    receivers = fresh(graph, receivers, hub.out_edges, hub.first_seen, since, "dst", settings)
    if len(receivers) < int(settings["min_destinations"]):
        return None
    return gather_scatter_hit(edge, senders, receivers, settings)


def gather_scatter_hit(edge: Edge, senders: dict[str, Edge], receivers: dict[str, Edge], settings: RuleSettings) -> Hit:
    return hit(
        GATHER_SCATTER,
        settings,
        f"{edge.src} gathered funds from {len(senders)} accounts and scattered them to {len(receivers)} "
        "(gather-scatter).",
        {
            "hub": edge.src,
            "sources": len(senders),
            "destinations": len(receivers),
            "edges": edge_evidence([*senders.values(), *receivers.values()]),
        },
        (edge.src, *senders, *receivers),
    )
