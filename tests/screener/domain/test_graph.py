"""The sliding-window multigraph: eviction keeps memory bounded, duplicates never count twice."""

from __future__ import annotations

from services.screener.domain.graph import Edge, TransferGraph

DAY = 86400.0


def test_edges_older_than_the_window_are_evicted_with_their_idle_accounts() -> None:
    graph = TransferGraph(window_seconds=30 * DAY)
    graph.add(Edge("t1", "a", "b", 10.0, 0.0))
    graph.add(Edge("t2", "b", "c", 10.0, 10 * DAY))
    assert len(graph) == 2 and graph.graph.number_of_edges() == 2
    graph.add(Edge("t3", "c", "d", 10.0, 35 * DAY))
    assert len(graph) == 2 and not graph.graph.has_edge("a", "b")
    assert "a" not in graph.nodes and "a" not in graph.graph  # nothing of a is left in the window
    assert [e.transfer_id for e in graph.nodes["b"].out_edges] == ["t2"] and not graph.nodes["b"].in_edges


def test_a_redelivered_transfer_is_added_once_and_a_late_one_outside_the_window_is_ignored() -> None:
    graph = TransferGraph(window_seconds=DAY)
    assert graph.add(Edge("t1", "a", "b", 10.0, 5 * DAY))
    assert not graph.add(Edge("t1", "a", "b", 10.0, 5 * DAY))
    assert not graph.add(Edge("t0", "x", "y", 10.0, 1 * DAY))
    assert len(graph) == 1 and graph.graph.number_of_edges() == 1


def test_memory_stays_bounded_over_a_long_stream() -> None:
    graph = TransferGraph(window_seconds=DAY)
    for i in range(5000):
        graph.add(Edge(f"t{i}", f"a{i % 50}", f"b{i}", 1.0, i * 600.0))  # one transfer per 10 minutes
    assert len(graph) <= 145 and graph.graph.number_of_edges() == len(graph)
    assert len(graph.nodes) <= 50 + 145


def test_pays_reads_the_window_only() -> None:
    graph = TransferGraph(window_seconds=DAY)
    graph.add(Edge("t1", "a", "b", 1.0, 0.0))
    assert graph.pays("a", "b") and not graph.pays("b", "a")
    graph.add(Edge("t2", "c", "d", 1.0, 2 * DAY))
    assert not graph.pays("a", "b")
