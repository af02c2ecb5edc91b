"""The screener's /healthz: degraded while no lists are applied or a batch keeps failing, ok when deciding."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx
import pytest

from services.broker import ensure_topics
from services.demo.processes import free_port
from services.screener.adapters.lists import excerpt_snapshot
from services.screener.bootstrap import build_app
from services.screener.handlers import StreamStatus
from services.screener.health import report
from services.watchlists.adapters.changelog import publish
from tests.screener.stream_settings import screener_settings
from tests.streams import fresh_topics


def test_a_batch_failing_again_and_again_reports_its_partitions_stuck() -> None:
    status = StreamStatus(batches=7, failures=3, consecutive_failures=3, failing_partitions=(1, 3), last_error="X: y")
    code, body = report(status, "wl-1", None, 0)
    assert code == 503 and body["status"] == "degraded"
    assert body["stream"]["stuck_partitions"] == [1, 3] and "partitions [1, 3] stuck" in body["problems"][0]
    status.consecutive_failures, status.failing_partitions = 0, ()
    status.last_batch_at = datetime(2026, 12, 3, tzinfo=UTC)
    code, body = report(status, "wl-1", None, 0)
    assert (code, body["status"], body["problems"], body["stream"]["stuck_partitions"]) == (200, "ok", [], [])


def test_a_screener_without_lists_is_degraded() -> None:
    code, body = report(StreamStatus(), "unavailable", "no watchlist version applied yet", None)
    assert code == 503 and "every transfer is held" in body["problems"][0]
    assert "graph_tail" not in body


@pytest.mark.kafka
@pytest.mark.asyncio
async def test_healthz_answers_degraded_until_a_watchlist_version_is_applied(kafka_bootstrap: str) -> None:
    names = await fresh_topics(kafka_bootstrap)
    watchlists = f"t.watchlists.{names.suffix}"
    await ensure_topics(kafka_bootstrap, {watchlists: 1})
    port = free_port()
    settings = screener_settings(
        kafka_bootstrap, names, watchlists_topic=watchlists, http_port=port, watchlist_wait_s=3, graph_tail=False
    )
    app = build_app(settings)
    await app.start()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            before = await client.get("/healthz")
            assert before.status_code == 503 and before.json()["watchlist"]["error"] is not None
            await publish(kafka_bootstrap, watchlists, excerpt_snapshot())
            for _ in range(100):
                after = await client.get("/healthz")
                if after.status_code == 200:
                    break
                await asyncio.sleep(0.2)
        assert after.status_code == 200, after.json()
        assert after.json()["watchlist"]["version"] == excerpt_snapshot().version
        assert after.json()["suppressions"]["running"] is True
    finally:
        await app.stop()


def test_a_refused_list_version_is_degraded_while_the_last_complete_one_stays_in_force() -> None:
    follower = {"healthy": False, "error": None, "newest": "v2", "applied": "v1", "unreadable": {"custom:A1": "x"}}
    code, body = report(StreamStatus(), "v1", None, 0, follower)
    assert code == 503 and body["watchlist"]["follower"] == follower
    problem = "watchlist follower: newest version v2 not applied, 1 unreadable record(s); in force: v1"
    assert body["problems"] == [problem]
