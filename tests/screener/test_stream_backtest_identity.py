"""The streaming screener and `aml screen` give identical decisions for the same input."""

from __future__ import annotations

import uuid

import pytest

from schemas import Decision
from services.broker import ensure_topics
from services.screener.adapters.lists import load_watchlist
from services.screener.backtest import run
from services.screener.bootstrap import build_app, build_context, load_policy
from services.screener.settings import Settings
from tests.screener.crafted import stream
from tests.streams import consume_until, produce

pytestmark = [pytest.mark.kafka, pytest.mark.asyncio]


def _comparable(decision: Decision) -> tuple[object, ...]:
    return (decision.action, decision.score, decision.reasons, decision.policy_version, decision.watchlist_version)


async def test_streaming_and_backtest_decisions_are_identical(kafka_bootstrap: str) -> None:
    suffix = uuid.uuid4().hex[:8]
    transfers, decisions, dlq = f"t.transfers.{suffix}", f"t.decisions.{suffix}", f"t.dlq.{suffix}"
    # One partition: the log itself is then in event-time order, which is the order the
    # backtest screens in (see the README, "Graph state and ordering").
    await ensure_topics(kafka_bootstrap, {transfers: 1, decisions: 4, dlq: 1})
    events = stream()
    await produce(kafka_bootstrap, transfers, [(t.partition_key, t.model_dump_json().encode()) for t in events])
    settings = Settings(
        kafka_bootstrap_servers=kafka_bootstrap,
        transfers_topic=transfers,
        decisions_topic=decisions,
        dlq_topic=dlq,
        group_id=f"screener-{suffix}",
        max_records=7,  # several batches, so batch boundaries are part of what is compared
        session_timeout_ms=6000,
        heartbeat_interval_ms=500,
    )
    app = build_app(settings, load_watchlist())
    await app.broker.start()
    try:
        records = await consume_until(kafka_bootstrap, decisions, lambda r: len(r) >= len(events))
    finally:
        await app.broker.stop()
    streamed = {d.transfer_id: d for d in (Decision.model_validate_json(r.value) for r in records)}

    policy = load_policy()
    offline = {d.transfer_id: d for d in run(events, build_context(policy, load_watchlist()), policy)}
    assert set(streamed) == set(offline) == {t.transfer_id for t in events}
    assert {tid: _comparable(d) for tid, d in streamed.items()} == {tid: _comparable(d) for tid, d in offline.items()}
    assert {d.action for d in offline.values()} == {"allow", "flag", "hold"}
