"""The transfer graph: a directed multigraph of accounts over a sliding event-time window.

networkx holds the multigraph (one edge per transfer, keyed by transfer id) so that offline
analysis and the case view can use its algorithms. The heuristics run on the hot path, so
each node also keeps time-ordered deques of its own in- and out-edges: windowed features
then cost a few dict and deque operations instead of networkx calls (kafka-notes §3(f)).

Time is the event time of the transfers, never the wall clock, and the window advances with
the largest event time seen (the watermark). Fed the same transfers in the same order, two
graphs are identical, which is what makes streaming and backtest decisions identical.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from typing import NamedTuple

import networkx as nx


class Edge(NamedTuple):
    """One transfer as the graph sees it: amounts as floats are precise enough for heuristics."""

    transfer_id: str
    src: str
    dst: str
    amount: float
    ts: float
    value: float = 0.0
    """Reported fiat value (0 when the exchange gave none); thresholds are in fiat."""
    currency: str = ""


EdgeTuple = tuple[str, str, str, float, float, float, str]
"""An `Edge`'s fields as the compiled core hands them over."""


class Node:
    """Per-account state kept beside the networkx node, all of it inside the window."""

    __slots__ = ("chain", "first_seen", "in_edges", "listed", "out_edges", "tainted")

    def __init__(self, ts: float) -> None:
        self.first_seen = ts
        self.in_edges: deque[Edge] = deque()
        self.out_edges: deque[Edge] = deque()
        self.listed = False
        # (ts, hops from a listed account, tainted amount, listed source) per tainted inflow.
        self.tainted: deque[tuple[float, int, float, str]] = deque()
        # The peel chain that delivered this account's funds, oldest account first.
        self.chain: tuple[str, ...] = ()


class TransferGraph:
    """Sliding-window multigraph; `add` returns False for a transfer already in the window."""

    def __init__(self, window_seconds: float) -> None:
        self.window = window_seconds
        self.graph: nx.MultiDiGraph[str] = nx.MultiDiGraph()
        # networkx's own successor dict: reading it directly skips the view objects (kafka-notes §3(f)).
        # (The stubs do not declare these private attributes, hence vars().)
        # A multigraph's adjacency: account -> neighbour -> transfer id -> edge data.
        self._succ: dict[str, dict[str, dict[str, object]]] = vars(self.graph)["_succ"]
        self._pred: dict[str, dict[str, dict[str, object]]] = vars(self.graph)["_pred"]
        self.nodes: dict[str, Node] = {}
        self._edges: deque[Edge] = deque()
        self._ids: set[str] = set()
        self.watermark = float("-inf")
        self.started = float("inf")
        """The earliest time of any transfer taken in: how long the graph has been watching."""

    def __len__(self) -> int:
        return len(self._edges)

    def node(self, account: str) -> Node | None:
        return self.nodes.get(account)

    def pays(self, payer: str, payee: str) -> bool:
        """Whether `payer` sent `payee` anything inside the window: one dict lookup in networkx's adjacency."""
        return payee in self._succ.get(payer, ())

    def payers(self, account: str) -> int:
        """How many distinct accounts paid this one inside the window (O(1): networkx adjacency)."""
        return len(self._pred.get(account, ()))

    def payees(self, account: str) -> int:
        """How many distinct accounts this one paid inside the window (O(1))."""
        return len(self._succ.get(account, ()))

    def mark_listed(self, account: str, ts: float) -> None:
        """Remember that an account used a listed wallet, so exposure can be traced from it."""
        self._ensure(account, ts).listed = True

    def add(self, edge: Edge) -> bool:
        if edge.transfer_id in self._ids:
            return False  # a redelivered transfer must not count twice
        if edge.ts < self.watermark - self.window:
            return False  # arrived after its whole window had passed: it can no longer matter
        if edge.ts > self.watermark:
            self.watermark = edge.ts
            self._evict(edge.ts - self.window)
        self._ids.add(edge.transfer_id)
        if edge.ts < self.started:
            self.started = edge.ts
        self._edges.append(edge)
        self._ensure(edge.src, edge.ts).out_edges.append(edge)
        self._ensure(edge.dst, edge.ts).in_edges.append(edge)
        self.graph.add_edge(edge.src, edge.dst, key=edge.transfer_id)
        return True

    def _ensure(self, account: str, ts: float) -> Node:
        node = self.nodes.get(account)
        if node is None:
            node = self.nodes[account] = Node(ts)
        return node

    def _evict(self, cutoff: float) -> None:
        edges = self._edges
        if not edges or edges[0].ts >= cutoff:
            return  # the common case: the watermark moved, but no edge left the window yet
        touched: dict[str, None] = {}
        succ = self._succ
        while edges and edges[0].ts < cutoff:
            old = edges.popleft()
            self._ids.discard(old.transfer_id)
            # graph.has_edge(src, dst, key) read from the adjacency: gone already if its node was dropped.
            pairs = succ.get(old.src)
            keys = pairs.get(old.dst) if pairs is not None else None
            if keys is not None and old.transfer_id in keys:
                self.graph.remove_edge(old.src, old.dst, key=old.transfer_id)
            touched[old.src] = touched[old.dst] = None
        # Trim only after every expired edge left the multigraph: dropping an emptied node
        # earlier would take edges with it that the loop above still has to remove.
        for account in touched:
            self._trim(account, cutoff)

    def _trim(self, account: str, cutoff: float) -> None:
        node = self.nodes.get(account)
        if node is None:
            return
        queue = node.in_edges
        while queue and queue[0].ts < cutoff:
            queue.popleft()
        queue = node.out_edges
        while queue and queue[0].ts < cutoff:
            queue.popleft()
        while node.tainted and node.tainted[0][0] < cutoff:
            node.tainted.popleft()
        if not node.in_edges and not node.out_edges and not node.listed:
            # Memory stays bounded: an account with nothing left in the window is forgotten.
            del self.nodes[account]
            if account in self.graph:
                self.graph.remove_node(account)


def total(amounts: Iterable[float]) -> float:
    """Plain left-to-right float addition. `sum` compensates rounding from Python 3.12 on: the
    compiled graph core adds plainly, and the two must agree to the last bit on every version."""
    result = 0.0
    for amount in amounts:
        result += amount
    return result


SCAN_LIMIT = 64
"""At most this many of a node's newest edges are looked at per query. A hub with thousands of
transfers in the window would otherwise cost milliseconds per transfer; every pattern the
heuristics look for shows up within far fewer edges."""


def recent(edges: deque[Edge], since: float, limit: int = SCAN_LIMIT) -> Iterator[Edge]:
    """Edges of a node's deque at or after `since`, newest first, at most `limit` of them."""
    for edge in reversed(edges):
        if edge.ts < since or limit <= 0:
            return
        limit -= 1
        yield edge


def newest(edges: deque[Edge], since: float, limit: int = SCAN_LIMIT) -> list[Edge]:
    """`list(recent(edges, since, limit))`, without a generator: the heuristics call it for every transfer."""
    found: list[Edge] = []
    for edge in reversed(edges):
        if edge.ts < since or limit <= 0:
            break
        limit -= 1
        found.append(edge)
    return found
