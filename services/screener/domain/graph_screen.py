"""The graph stage of screening: add the transfer to the window, then run the enabled heuristics.

One instance per screener (or backtest run). It is the only writer of its graph, and it is fed
in the order transfers are screened, so identical input order gives identical decisions.
"""

from __future__ import annotations

from schemas import TransferEvent
from services.screener.domain import cycles, exposure, fans, layering, scatter, structuring, velocity
from services.screener.domain.graph import Edge, TransferGraph
from services.screener.domain.heuristic import DAY, Heuristic
from services.screener.domain.hit import Hit
from services.screener.domain.policy import Policy, RuleSettings
from services.screener.domain.watchlist import WatchlistSnapshot

HEURISTICS: tuple[tuple[str, Heuristic], ...] = (
    (exposure.DIRECT, exposure.direct_exposure),
    (exposure.INDIRECT, exposure.indirect_exposure),
    (fans.FAN_IN, fans.fan_in),
    (fans.FAN_OUT, fans.fan_out),
    (scatter.SCATTER_GATHER, scatter.scatter_gather),
    (scatter.GATHER_SCATTER, scatter.gather_scatter),
    (cycles.CYCLE, cycles.cycle),
    (layering.PASS_THROUGH, layering.pass_through),
    (layering.PEEL_CHAIN, layering.peel_chain),
    (structuring.STRUCTURING, structuring.structuring),
    (structuring.SPLIT_TRANSFERS, structuring.split_transfers),
    (velocity.VELOCITY_SPIKE, velocity.velocity_spike),
    (velocity.NEW_ACCOUNT_VALUE, velocity.new_account_value),
)
_DEFAULT_EXPOSURE_HOPS = 3


def to_edge(transfer: TransferEvent) -> Edge:
    return Edge(
        transfer.transfer_id,
        transfer.originator.account_id,
        transfer.beneficiary.account_id,
        float(transfer.amount),
        transfer.occurred_at.timestamp(),
        float(transfer.fiat_value) if transfer.fiat_value is not None else 0.0,
        transfer.fiat_currency or "",
    )


class GraphScreen:
    """The graph plus the heuristics the policy enables, with their settings bound once."""

    def __init__(self, policy: Policy) -> None:
        self.graph = TransferGraph(policy.window_days * DAY)
        self._enabled: list[tuple[Heuristic, RuleSettings]] = [
            (rule, settings) for rule_id, rule in HEURISTICS if (settings := policy.rule(rule_id)) is not None
        ]
        self._peel = policy.rule(layering.PEEL_CHAIN)
        indirect = policy.rule(exposure.INDIRECT)
        self._taint_hops = int(indirect["max_hops"]) if indirect is not None else _DEFAULT_EXPOSURE_HOPS

    def learn(self, transfer: TransferEvent, watchlist: WatchlistSnapshot) -> Edge:
        """Add one transfer to the graph (a repeat changes nothing) without screening it.

        For transfers another replica screens: the graph needs them to see patterns that span
        partitions, but their decisions are not this replica's to make.
        """
        edge = to_edge(transfer)
        graph = self.graph
        for party in (transfer.originator, transfer.beneficiary):
            if party.wallet_address and watchlist.wallet_hits(party.wallet_address):
                graph.mark_listed(party.account_id, edge.ts)
        if graph.add(edge):
            exposure.propagate(graph, edge, self._taint_hops)
            if self._peel is not None:
                layering.extend_chain(graph, edge, self._peel)
        return edge

    def observe(self, transfer: TransferEvent, watchlist: WatchlistSnapshot) -> list[Hit]:
        """Add one transfer to the graph and return what the heuristics find around it."""
        edge = self.learn(transfer, watchlist)
        graph = self.graph
        hits: list[Hit] = []
        for rule, settings in self._enabled:
            found = rule(graph, edge, settings)
            if found is not None:
                hits.append(found)
        return hits

    def exposure_hops(self, account: str) -> int | None:
        """Fewest hops from the account back to a listed wallet holder, if within the traced range."""
        node = self.graph.nodes.get(account)
        if node is None:
            return None
        found = exposure.taint_share(node)
        return None if found is None else found[0]
