"""SIGKILL the screener mid-stream: every transfer still ends with exactly one decision and the
ledger settles each at most once (at-least-once delivery + deterministic ids + idempotent ledger)."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import httpx
import pytest

from schemas import Action
from services.demo.processes import ServiceProcess, free_port
from tests.e2e.support import (
    COUNT,
    all_decided,
    one_decision_each,
    publish_lists,
    reader_headers,
    screener_process,
    workload,
)
from tests.streams import Topics, consume_until, fresh_topics, produce

pytestmark = [pytest.mark.kafka, pytest.mark.slow, pytest.mark.asyncio]

def _ledger(tmp: Path, bootstrap: str, names: Topics, port: int) -> ServiceProcess:
    return ServiceProcess(
        "ledger",
        {
            "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            "LEDGER_TRANSFERS_TOPIC": names.transfers,
            "LEDGER_DECISIONS_TOPIC": names.decisions,
            "LEDGER_KAFKA_GROUP_ID": f"ledger-{names.suffix}",
            "LEDGER_DATABASE_URL": f"sqlite+aiosqlite:///{tmp / 'ledger.db'}",
            "LEDGER_HTTP_PORT": str(port),
            "LEDGER_KAFKA_SESSION_TIMEOUT_MS": "6000",
            "LEDGER_KAFKA_HEARTBEAT_INTERVAL_MS": "500",
            "AUTH_DATABASE_URL": f"sqlite+aiosqlite:///{tmp / 'auth.db'}",
        },
        tmp / "ledger.log",
        f"http://127.0.0.1:{port}/healthz",
    )


async def test_screener_killed_mid_stream_loses_nothing_and_settles_nothing_twice(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    names = await fresh_topics(kafka_bootstrap)
    await publish_lists(kafka_bootstrap, names)
    group = f"screener-{uuid.uuid4().hex[:6]}"
    ledger = _ledger(tmp_path, kafka_bootstrap, names, free_port())
    first = screener_process(tmp_path, kafka_bootstrap, names, group, 1)
    records, listed = workload()
    ledger.start()
    first.start()
    try:
        await asyncio.to_thread(ledger.wait_healthy)
        await produce(kafka_bootstrap, names.transfers, records)
        # Kill while the stream is in flight: some decisions out, most still to come.
        before = await consume_until(kafka_bootstrap, names.decisions, lambda r: len(r) >= 200, within=120)
        first.kill()
        assert len({r.key for r in before}) < COUNT, "the screener finished before it could be killed mid-stream"
        second = screener_process(tmp_path, kafka_bootstrap, names, group, 2)
        second.start()
        try:
            seen = await consume_until(kafka_bootstrap, names.decisions, all_decided, within=240)
        finally:
            second.stop()
        # A redelivered batch re-publishes the same decision, never a different one.
        effective = one_decision_each(seen)
        assert set(effective) == {f"crash-{i:05d}" for i in range(COUNT)}
        assert {t for t, d in effective.items() if d.action == Action.HOLD} == listed

        base = ledger.health_url.removesuffix("/healthz")  # type: ignore[union-attr]
        async with httpx.AsyncClient(base_url=base, headers=await reader_headers(ledger)) as client:
            for _ in range(200):
                summary = (await client.get("/v1/summary")).json()
                states = summary.get("states", summary)
                if states.get("settled", 0) + states.get("escrowed", 0) >= COUNT:
                    break
                await asyncio.sleep(0.5)
        assert states.get("settled") == COUNT - len(listed)
        assert states.get("escrowed") == len(listed)
        assert states.get("pending", 0) == 0
    finally:
        first.stop()
        ledger.stop()
