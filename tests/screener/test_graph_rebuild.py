"""A replica rebuilds the complete graph from every partition of the log before it screens."""

from __future__ import annotations

import pytest

from services.screener.adapters.lists import load_watchlist
from services.screener.backtest import run
from services.screener.bootstrap import build_app, build_context, committed_offsets, load_policy, rebuild_graph
from tests.screener.crafted import stream
from tests.screener.stream_settings import screener_settings
from tests.streams import consume_until, fresh_topics, produce

pytestmark = [pytest.mark.kafka, pytest.mark.asyncio]


async def test_rebuild_replays_what_the_group_decided_on_all_partitions(kafka_bootstrap: str) -> None:
    names = await fresh_topics(kafka_bootstrap)
    events = stream()
    # Keyed by originator: the transfers land on all four partitions.
    await produce(kafka_bootstrap, names.transfers, [(t.partition_key, t.model_dump_json().encode()) for t in events])
    settings = screener_settings(kafka_bootstrap, names)
    policy = load_policy()
    fresh = build_context(policy, load_watchlist())
    assert await committed_offsets(settings) == dict.fromkeys(range(4), 0)
    # Nothing decided yet: nothing to replay.
    assert await rebuild_graph(settings, fresh, await committed_offsets(settings), idle_ms=500) == 0

    app = build_app(settings, load_watchlist())
    await app.broker.start()
    try:
        await consume_until(kafka_bootstrap, names.decisions, lambda r: len(r) >= len(events))
    finally:
        await app.broker.stop()  # stop() lets the last batch finish, so every decided batch is committed

    replica = build_context(policy, load_watchlist())
    committed = await committed_offsets(settings)
    assert sum(committed.values()) == len(events)
    assert await rebuild_graph(settings, replica, committed, idle_ms=1500) == len(events)
    offline = build_context(policy, load_watchlist())
    run(events, offline, policy)
    assert replica.graph is not None and offline.graph is not None
    assert sorted(replica.graph.edge_keys()) == sorted(offline.graph.edge_keys())
    # In the same order too: the rebuild feeds the graph in event order, as the backtest does.
    ring_a = [key for key in replica.graph.edge_keys() if key[1] == "ring-a"]
    assert ring_a and ring_a == [key for key in offline.graph.edge_keys() if key[1] == "ring-a"]
