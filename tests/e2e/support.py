"""Shared by the end-to-end crash tests: screener processes, a workload with listed wallets, and the
check that no transfer was ever given two different decisions."""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from schemas import Decision
from services.auth.settings import AuthSettings
from services.broker import ensure_topics
from services.demo.processes import ServiceProcess
from services.screener.adapters.lists import excerpt_snapshot
from services.watchlists.adapters.changelog import publish
from tests.factories import party, transfer_json
from tests.streams import Topics
from tests.support.auth import machine_key

LISTED = ("0x7f367cc41522ce07553e823bf3be79a889debe1b", "TX5GV4DyfxNB3rPkzZJhmqZ1efVmL4rEqG")
COUNT = 3000


async def publish_lists(bootstrap: str, names: Topics) -> None:
    """The packaged OFAC excerpt on this test's own watchlist changelog."""
    await ensure_topics(bootstrap, {f"t.watchlists.{names.suffix}": 1})
    await publish(bootstrap, f"t.watchlists.{names.suffix}", excerpt_snapshot())


def screener_process(tmp: Path, bootstrap: str, names: Topics, group: str, n: int) -> ServiceProcess:
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


def workload() -> tuple[list[tuple[bytes, bytes]], set[str]]:
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


def all_decided(records: list[Any]) -> bool:
    return len({r.key for r in records}) >= COUNT


def one_decision_each(records: Sequence[Any]) -> dict[str, Decision]:
    """The decision per transfer, asserting that every repeat (a redelivery) is the same decision."""
    effective: dict[str, Decision] = {}
    for decision in (Decision.model_validate_json(r.value) for r in records):
        first = effective.setdefault(decision.transfer_id, decision)
        assert (first.decision_id, first.action, first.score) == (decision.decision_id, decision.action, decision.score)
    return effective


_READER_KEYS: dict[str, str] = {}


async def reader_headers(process: ServiceProcess) -> dict[str, str]:
    """Headers with a regulator's API key in the auth database the process reads (made once per database)."""
    url = process.env["AUTH_DATABASE_URL"]
    if url not in _READER_KEYS:
        _READER_KEYS[url] = await machine_key(AuthSettings(database_url=url))
    return {"X-API-Key": _READER_KEYS[url]}
