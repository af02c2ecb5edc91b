"""SIGKILL the screener mid-stream: every transfer still ends with exactly one decision and the
ledger settles each at most once (at-least-once delivery + deterministic ids + idempotent ledger)."""

from __future__ import annotations

import asyncio
import random
import uuid
from pathlib import Path

import httpx
import pytest

from schemas import Action, Decision
from services.broker import ensure_topics
from services.demo.processes import ServiceProcess, free_port
from services.screener.adapters.lists import excerpt_snapshot
from services.watchlists.adapters.changelog import publish
from tests.factories import party, transfer_json
from tests.streams import Topics, consume_until, fresh_topics, produce

pytestmark = [pytest.mark.kafka, pytest.mark.slow, pytest.mark.asyncio]

LISTED = ("0x7f367cc41522ce07553e823bf3be79a889debe1b", "TX5GV4DyfxNB3rPkzZJhmqZ1efVmL4rEqG")
COUNT = 3000


def _screener(tmp: Path, bootstrap: str, names: Topics, group: str, n: int) -> ServiceProcess:
    return ServiceProcess(
        "screener",
        {
            "SCREENER_WATCHLISTS_TOPIC": f"t.watchlists.{names.suffix}",
            "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            "SCREENER_TRANSFERS_TOPIC": names.transfers,
            "SCREENER_DECISIONS_TOPIC": names.decisions,
            "SCREENER_DLQ_TOPIC": names.dlq,
            "SCREENER_GROUP_ID": group,
            "SCREENER_SESSION_TIMEOUT_MS": "6000",
            "SCREENER_HEARTBEAT_INTERVAL_MS": "500",
            "SCREENER_MAX_RECORDS": "50",
        },
        tmp / f"screener-{n}.log",
    )


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
        },
        tmp / "ledger.log",
        f"http://127.0.0.1:{port}/healthz",
    )


def _workload() -> tuple[list[tuple[bytes, bytes]], set[str]]:
    rng = random.Random(11)
    records, listed = [], set()
    for i in range(COUNT):
        tid = f"crash-{i:05d}"
        beneficiary = party(f"acct-{rng.randint(0, 300)}")
        if i % 37 == 0:
            beneficiary = party(f"ext-{i}", wallet_address=rng.choice(LISTED), hosted=False)
            listed.add(tid)
        sender = f"acct-{rng.randint(0, 300)}"
        records.append(
            (sender.encode(), transfer_json(transfer_id=tid, originator=party(sender), beneficiary=beneficiary))
        )
    return records, listed


async def test_screener_killed_mid_stream_loses_nothing_and_settles_nothing_twice(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    names = await fresh_topics(kafka_bootstrap)
    await ensure_topics(kafka_bootstrap, {f"t.watchlists.{names.suffix}": 1})
    await publish(kafka_bootstrap, f"t.watchlists.{names.suffix}", excerpt_snapshot())
    group = f"screener-{uuid.uuid4().hex[:6]}"
    ledger = _ledger(tmp_path, kafka_bootstrap, names, free_port())
    first = _screener(tmp_path, kafka_bootstrap, names, group, 1)
    records, listed = _workload()
    ledger.start()
    first.start()
    try:
        await asyncio.to_thread(ledger.wait_healthy)
        await produce(kafka_bootstrap, names.transfers, records)
        # Kill while the stream is in flight: some decisions out, most still to come.
        before = await consume_until(kafka_bootstrap, names.decisions, lambda r: len(r) >= 200, within=120)
        first.kill()
        assert len({r.key for r in before}) < COUNT, "the screener finished before it could be killed mid-stream"
        second = _screener(tmp_path, kafka_bootstrap, names, group, 2)
        second.start()
        try:

            def all_decided(recs: list[object]) -> bool:
                return len({r.key for r in recs}) >= COUNT  # type: ignore[attr-defined]

            seen = await consume_until(kafka_bootstrap, names.decisions, all_decided, within=240)
        finally:
            second.stop()
        decisions = [Decision.model_validate_json(r.value) for r in seen]
        effective: dict[str, Decision] = {}
        for d in decisions:
            first_seen = effective.setdefault(d.transfer_id, d)
            # A redelivered batch re-publishes the same decision, never a different one.
            assert (first_seen.decision_id, first_seen.action) == (d.decision_id, d.action)
        assert set(effective) == {f"crash-{i:05d}" for i in range(COUNT)}
        assert {t for t, d in effective.items() if d.action == Action.HOLD} == listed

        async with httpx.AsyncClient(base_url=ledger.health_url.removesuffix("/healthz")) as client:  # type: ignore[union-attr]
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
