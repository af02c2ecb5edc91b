"""The whole ledger process against the real Kafka broker: decisions enforced from the topics,
duplicates and early decisions absorbed, offsets committed only after the database commit."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from schemas import Action, Resolution
from services.database import create_engine
from services.ledger.adapters.schema_migrator import upgrade_schema
from services.ledger.app import running
from services.ledger.consumer import BatchHandler, ConsumerStatus, build_broker
from services.ledger.ledger import BatchReport, Ledger
from tests.ledger.builders import resolution, screening
from tests.ledger.kafka_io import (
    create_topics,
    decision_record,
    eventually,
    ledger_settings,
    produce,
    transfer_record,
)
from tests.support.auth import auth_settings, machine_key

pytestmark = [pytest.mark.kafka, pytest.mark.asyncio]


KEY: dict[str, str] = {}  # a regulator's key, made by each test in its auth database


async def _get(base_url: str, path: str) -> Any:
    async with httpx.AsyncClient(base_url=base_url, timeout=5, headers=KEY) as client:
        response = await client.get(path)
        return response.json()


async def test_ledger_applies_decisions_from_kafka_exactly_once(kafka_bootstrap: str, tmp_path: Path) -> None:
    topics = await create_topics(kafka_bootstrap)
    holds = {tid: screening(tid, Action.HOLD) for tid in ("t-release", "t-reject", "t-freeze")}
    allow = screening("t-ok")
    # Published before the ledger starts and before its transfer: it must wait, then apply.
    early = screening("t-early", Action.FLAG)
    await produce(kafka_bootstrap, topics.decisions, [decision_record(early), ("junk", b"\xff not json")])

    transfers = [
        transfer_record("t-ok", "10"),
        transfer_record("t-flag", "2.5"),
        transfer_record("t-release", "7"),
        transfer_record("t-reject", "3"),
        transfer_record("t-freeze", "4", sender="mallory"),
        transfer_record("t-open", "1"),
        transfer_record("t-early", "0.5"),
        ("junk", b'{"transfer_id": "t-bad"}'),
    ]
    decisions = [
        decision_record(allow),
        decision_record(allow),  # redelivered duplicate
        decision_record(screening("t-ok", Action.HOLD, decision_id=uuid.uuid4())),  # later re-screen: ignored
        decision_record(resolution(allow, Resolution.REJECT)),  # resolution of a settled transfer: rejected
        decision_record(screening("t-flag", Action.FLAG)),
        *(decision_record(hold) for hold in holds.values()),
        decision_record(resolution(holds["t-release"], Resolution.RELEASE)),
        decision_record(resolution(holds["t-reject"], Resolution.REJECT)),
        decision_record(resolution(holds["t-freeze"], Resolution.FREEZE)),
        # A release after the freeze: rejected, the transfer is no longer held.
        decision_record(resolution(holds["t-freeze"], Resolution.RELEASE, officer="officer-2")),
    ]
    expected_states = {"pending": 1, "settled": 4, "escrowed": 0, "returned": 1, "frozen": 1}
    settings = ledger_settings(kafka_bootstrap, topics, tmp_path / "ledger.db")

    auth = auth_settings(tmp_path)
    KEY["X-API-Key"] = await machine_key(auth)
    async with running(settings, auth) as ledger:
        await produce(kafka_bootstrap, topics.transfers, transfers)
        await produce(kafka_bootstrap, topics.decisions, decisions)
        summary = await eventually(
            lambda: _get(ledger.base_url, "/v1/summary"),
            lambda s: s["states"] == expected_states and s["decisions"]["waiting"] == 0,
        )
        assert summary["decisions"] == {"applied": 9, "duplicate": 1, "rejected": 2, "waiting": 0}
        early_view = await _get(ledger.base_url, "/v1/transfers/t-early")
        assert (early_view["state"], early_view["effective_decision_id"]) == ("settled", str(early.decision_id))
        alice = await _get(ledger.base_url, "/v1/balances/alice")
        mallory = await _get(ledger.base_url, "/v1/balances/mallory")
        bob = await _get(ledger.base_url, "/v1/balances/bob")
        health = await _get(ledger.base_url, "/healthz")
    assert alice["balances"] == [{"asset": "USDT", "balance": "-20", "escrowed": "0", "available": "-20"}]
    assert mallory["balances"] == [{"asset": "USDT", "balance": "0", "escrowed": "4", "available": "-4"}]
    assert bob["balances"][0]["balance"] == "20"
    assert health["consumer"]["skipped"] == 2

    # A new consumer group re-reads both topics from the start: a full redelivery.
    replay = ledger_settings(kafka_bootstrap, topics, tmp_path / "ledger.db")
    total = len(transfers) + len(decisions) + 2
    async with running(replay, auth) as ledger:
        await eventually(lambda: _get(ledger.base_url, "/healthz"), lambda h: h["consumer"]["records"] >= total)
        assert (await _get(ledger.base_url, "/v1/summary")) == summary
        assert (await _get(ledger.base_url, "/v1/balances/alice")) == alice
        assert (await _get(ledger.base_url, "/v1/balances/bob")) == bob


async def test_offsets_are_committed_after_the_database_commit_and_not_before(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    topics = await create_topics(kafka_bootstrap)
    settings = ledger_settings(kafka_bootstrap, topics, tmp_path / "ledger.db")
    engine = create_engine(settings.database_url)
    await upgrade_schema(engine)

    class FlakyLedger(Ledger):
        """Fails its first batch as a database outage would."""

        failures = 0

        async def apply(self, *args: Any, **kwargs: Any) -> BatchReport:
            if FlakyLedger.failures == 0:
                FlakyLedger.failures += 1
                raise ConnectionError("database unavailable")
            return await super().apply(*args, **kwargs)

    status = ConsumerStatus()
    broker = build_broker(settings, BatchHandler(FlakyLedger(engine), settings, status))
    records = [transfer_record(f"t-{i}", "1", sender=f"s-{i % 5}") for i in range(20)]
    try:
        await produce(kafka_bootstrap, topics.transfers, records)
        await broker.start()
        try:
            await eventually(lambda: _records(status), lambda n: n >= len(records))
        finally:
            await broker.stop()
        assert FlakyLedger.failures == 1 and status.failures == 1
        # Nothing was lost to the failed batch: it was read again, not committed past.
        auth = auth_settings(tmp_path)
        KEY["X-API-Key"] = await machine_key(auth)
        async with running(settings, auth) as ledger:
            summary = await _get(ledger.base_url, "/v1/summary")
            assert summary["states"]["pending"] == len(records)
            # Same group: committed offsets hold, so only the new record is delivered.
            await produce(kafka_bootstrap, topics.transfers, [transfer_record("t-new", "1")])
            await eventually(
                lambda: _get(ledger.base_url, "/v1/summary"), lambda s: s["states"]["pending"] == len(records) + 1
            )
            health = await _get(ledger.base_url, "/healthz")
            assert health["consumer"]["records"] == 1
    finally:
        await engine.dispose()


async def _records(status: ConsumerStatus) -> int:
    return status.records
