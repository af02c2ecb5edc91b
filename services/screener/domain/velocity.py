"""Velocity against the account's own history, and new accounts that move a large value at once."""

from __future__ import annotations

from services.screener.domain.graph import Edge, TransferGraph, newest, recent
from services.screener.domain.heuristic import DAY, edge_evidence, hit
from services.screener.domain.hit import Hit
from services.screener.domain.policy import RuleSettings
from services.screener.domain.structuring import thresholds

VELOCITY_SPIKE = "graph.velocity_spike"
NEW_ACCOUNT_VALUE = "graph.new_account_value"


def velocity_spike(graph: TransferGraph, edge: Edge, settings: RuleSettings) -> Hit | None:
    """This account sent far more transfers in the last day than its own daily average."""
    node = graph.nodes[edge.src]
    history_days = (edge.ts - node.first_seen) / DAY
    if history_days < float(settings["min_history_days"]):
        return None
    last_day = len(newest(node.out_edges, edge.ts - DAY))
    if last_day < int(settings["min_transfers"]):
        return None
    # The baseline excludes the last day, so the spike cannot inflate its own yardstick.
    earlier = len(node.out_edges) - last_day
    window_days = min(history_days, graph.window / DAY)
    baseline = earlier / max(window_days - 1.0, 1.0)
    if last_day <= float(settings["factor"]) * max(baseline, 1.0 / max(window_days, 1.0)):
        return None
    return velocity_spike_hit(edge, last_day, baseline, list(recent(node.out_edges, edge.ts - DAY)), settings)


def velocity_spike_hit(edge: Edge, last_day: int, baseline: float, edges: list[Edge], settings: RuleSettings) -> Hit:
    return hit(
        VELOCITY_SPIKE,
        settings,
        f"{edge.src} made {last_day} transfers in the last day against about {baseline:.1f} a day before "
        "(velocity spike).",
        {
            "account": edge.src,
            "last_day": last_day,
            "daily_baseline": round(baseline, 3),
            "edges": edge_evidence(edges),
        },
        (edge.src,),
    )


def new_account_value(graph: TransferGraph, edge: Edge, settings: RuleSettings) -> Hit | None:
    """An account first seen only days ago, by a graph that had been watching well before, moves a large value."""
    if edge.value <= 0:
        return None
    line = thresholds(settings).get(edge.currency)
    if line is None or edge.value < line:
        return None
    max_age = float(settings["max_age_days"]) * DAY
    # An account first seen soon after the screener started watching may be old, just quiet so far.
    observed = float(settings["min_observed_days"]) * DAY
    for account in (edge.src, edge.dst):
        first_seen = graph.nodes[account].first_seen
        age = edge.ts - first_seen
        if age <= max_age and first_seen - graph.started >= observed:
            return new_account_value_hit(edge, account, age, settings)
    return None


def _ago(seconds: float) -> str:
    days = seconds / DAY
    if days < 1:
        return "less than a day ago"
    return f"{days:.1f} days ago"


def new_account_value_hit(edge: Edge, account: str, age: float, settings: RuleSettings) -> Hit:
    return hit(
        NEW_ACCOUNT_VALUE,
        settings,
        f"{account} was first seen {_ago(age)} and already moves {edge.value:,.0f} {edge.currency}.",
        {
            "account": account,
            "age_days": round(age / DAY, 3),
            "value": edge.value,
            "currency": edge.currency,
            "edges": edge_evidence([edge]),
        },
        (account,),
    )
