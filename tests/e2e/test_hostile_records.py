"""One bad transfer must never stop screening for everyone (issue 11, items 1-4), on the real broker with the
real screener and ledger processes, the ledger on SQLite and on PostgreSQL.

Records are produced straight onto the topics, as a producer that bypasses ingest would: a transfer dated
40 days ahead (item 1), one 40 days late for accounts the graph never saw (item 2), dates whose UTC
conversion overflows on both topics (item 3), and NULs in an account and a transfer id (item 4). After
them, the good transfers of two exchanges are still decided by the real rules (a listed wallet is held, a
fan-in is flagged, the rest allowed) and settled, also after the screener restarts and rebuilds its graph.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from schemas import Action, DeadLetter, Decision
from services.demo.processes import ServiceProcess, free_port
from tests.e2e.support import LISTED, publish_lists, reader_headers, screener_process
from tests.factories import party, transfer
from tests.streams import Topics, consume_until, fresh_topics, produce

pytestmark = [pytest.mark.kafka, pytest.mark.slow, pytest.mark.asyncio]

NOW = datetime.now(UTC).replace(microsecond=0)


def good(tid: str, exchange: str, at: datetime, src: str, dst: str, **beneficiary: Any) -> tuple[bytes, bytes]:
    event = transfer(
        transfer_id=tid,
        exchange_id=exchange,
        occurred_at=at,
        originator=party(src),
        beneficiary=party(dst, **beneficiary),
    )
    return src.encode(), event.model_dump_json().encode()


def raw(tid: str, **changes: Any) -> tuple[bytes, bytes]:
    """A transfer's JSON with fields replaced after serialisation (values the contract refuses)."""
    body = json.loads(transfer(transfer_id="exB-template", occurred_at=NOW).model_dump_json())
    body["transfer_id"] = tid
    for path, value in changes.items():
        target = body
        *parents, leaf = path.split(".")
        for name in parents:
            target = target[name]
        target[leaf] = value
    return b"acct-raw", json.dumps(body).encode()


def fan_in(prefix: str, start: datetime, payers: range) -> list[tuple[bytes, bytes]]:
    """Payers new to the graph each send the collector about the same sum, 20 minutes apart."""
    return [
        good(f"exA-{prefix}{i}", "exA", start + timedelta(minutes=20 * i), f"{prefix}payer{i}", f"{prefix}collector")
        for i in payers
    ]


def ledger_process(tmp: Path, bootstrap: str, names: Topics, database_url: str) -> ServiceProcess:
    port = free_port()
    return ServiceProcess(
        "ledger",
        {
            "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            "LEDGER_TRANSFERS_TOPIC": names.transfers,
            "LEDGER_DECISIONS_TOPIC": names.decisions,
            "LEDGER_KAFKA_GROUP_ID": f"ledger-{names.suffix}",
            "LEDGER_DATABASE_URL": database_url,
            "LEDGER_HTTP_PORT": str(port),
            "LEDGER_KAFKA_SESSION_TIMEOUT_MS": "6000",
            "LEDGER_KAFKA_HEARTBEAT_INTERVAL_MS": "500",
            "AUTH_DATABASE_URL": f"sqlite+aiosqlite:///{tmp / 'auth.db'}",
        },
        tmp / "ledger.log",
        f"http://127.0.0.1:{port}/healthz",
    )


def decisions_of(records: Sequence[Any]) -> dict[str, Decision]:
    """The decisions that parse, by transfer id (the forged record on the topic does not)."""
    found: dict[str, Decision] = {}
    for record in records:
        try:
            decision = Decision.model_validate_json(record.value)
        except ValidationError:
            continue
        found[decision.transfer_id] = decision
    return found


def rules(decision: Decision) -> set[str]:
    return {reason.rule_id for reason in decision.reasons}


async def states(
    ledger: ServiceProcess, ids: Sequence[str], want: dict[str, str], within: float = 90
) -> dict[str, str]:
    """The ledger state of each id, polled until they are `want` (or the time is up)."""
    base = ledger.health_url.removesuffix("/healthz")  # type: ignore[union-attr]
    seen: dict[str, str] = {}
    async with httpx.AsyncClient(base_url=base, headers=await reader_headers(ledger)) as client:
        for _ in range(int(within / 0.5)):
            for tid in ids:
                answer = await client.get(f"/v1/transfers/{tid}")
                seen[tid] = answer.json()["state"] if answer.status_code == 200 else f"http {answer.status_code}"
            if seen == want:
                break
            await asyncio.sleep(0.5)
    return seen


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def ledger_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'ledger.db'}"
    cluster = request.getfixturevalue("postgres_cluster")
    url: str = cluster.create_database(f"hostile_{uuid.uuid4().hex[:8]}")
    return url


async def test_bad_records_hold_or_dead_letter_themselves_and_everyone_else_is_still_screened_and_settled(
    kafka_bootstrap: str, tmp_path: Path, ledger_database: str
) -> None:
    names = await fresh_topics(kafka_bootstrap)
    await publish_lists(kafka_bootstrap, names)
    group = f"screener-{names.suffix}"
    ledger = ledger_process(tmp_path, kafka_bootstrap, names, ledger_database)
    screener = screener_process(tmp_path, kafka_bootstrap, names, group, 1)
    ledger.start()
    screener.start()
    try:
        await asyncio.to_thread(ledger.wait_healthy)
        # The graph has seen today's traffic before the bad records come (a late transfer is late against it).
        await produce(kafka_bootstrap, names.transfers, [good("exA-warm", "exA", NOW, "acct-w1", "acct-w2")])
        await consume_until(kafka_bootstrap, names.decisions, lambda r: "exA-warm" in decisions_of(r), 120)
        hostile = [
            good("exA-future", "exA", NOW + timedelta(days=40), "acct-f1", "acct-f2"),  # item 1
            good("exA-late", "exA", NOW - timedelta(days=40), "fresh-a1", "fresh-b1"),  # item 2
            raw("exB-ancient", occurred_at="0001-01-01T00:00:00+05:00"),  # item 3
            raw("exB-doomsday", occurred_at="9999-12-31T23:00:00-05:00"),
            raw("exB-epoch", occurred_at=1_700_000_000),
            raw("exB-nul-account", **{"originator.account_id": "acct\u0000x"}),  # item 4
            raw("exB-\u0000nul"),
        ]
        await produce(kafka_bootstrap, names.transfers, hostile)
        # A decision the contract refuses (item 3, decided_at has the same type): the ledger must read past it.
        forged = json.loads(
            Decision(
                decision_id=uuid.uuid4(),
                transfer_id="exA-good0",
                action=Action.HOLD,
                score=0.0,
                policy_version="p",
                watchlist_version="w",
                decided_at=NOW,
            ).model_dump_json()
        )
        forged["decided_at"] = "9999-12-31T23:00:00-05:00"
        await produce(kafka_bootstrap, names.decisions, [(b"exA-good0", json.dumps(forged).encode())])

        goods = [
            good("exA-good0", "exA", NOW - timedelta(hours=3), "acct-1", "acct-2"),
            good("exB-good1", "exB", NOW - timedelta(hours=3), "acct-3", "acct-4"),
            good("exB-listed", "exB", NOW - timedelta(hours=3), "acct-5", "ext-1", wallet_address=LISTED[0],
                 hosted=False),
            *fan_in("f", NOW - timedelta(hours=5), range(8)),
        ]
        await produce(kafka_bootstrap, names.transfers, goods)
        expected = {"exA-future", "exA-late", "exB-ancient", "exB-doomsday", "exB-epoch", "exB-nul-account"}
        expected |= {json.loads(value)["transfer_id"] for _, value in goods}
        seen = await consume_until(kafka_bootstrap, names.decisions, lambda r: expected <= set(decisions_of(r)), 120)
        decided = decisions_of(seen)
        assert decided["exA-future"].action is Action.HOLD and rules(decided["exA-future"]) == {"system.future_dated"}
        assert decided["exA-late"].action is Action.FLAG and rules(decided["exA-late"]) == {"graph.outside_window"}
        for tid in ("exB-ancient", "exB-doomsday", "exB-epoch", "exB-nul-account"):
            assert decided[tid].action is Action.HOLD and rules(decided[tid]) == {"system.invalid_transfer"}, tid
        # The real rules, after all of that: nothing held for an internal error.
        assert not [tid for tid, d in decided.items() if "system.screening_error" in rules(d)]
        assert decided["exB-listed"].action is Action.HOLD and "sanctions.wallet" in rules(decided["exB-listed"])
        assert decided["exA-good0"].action is Action.ALLOW and decided["exB-good1"].action is Action.ALLOW
        assert any("graph.fan_in" in rules(decided[f"exA-f{i}"]) for i in range(8)), "graph rules did not run"

        letters = await consume_until(kafka_bootstrap, names.dlq, lambda r: len(r) >= 5, within=30)
        reasons = {DeadLetter.model_validate_json(r.value).original: DeadLetter.model_validate_json(r.value).reason
                   for r in letters}
        assert len(reasons) == 5 and all(reason.startswith("invalid transfer: ") for reason in reasons.values())
        assert any(b"exB-\\u0000nul" in original for original in reasons)  # no id to hold: dead letter only

        flagged = [f"exA-f{i}" for i in range(8) if decided[f"exA-f{i}"].action is Action.FLAG]
        want = {"exA-good0": "settled", "exB-good1": "settled", "exB-listed": "escrowed", "exA-late": "settled",
                "exA-future": "escrowed", **dict.fromkeys(flagged, "settled")}
        assert await states(ledger, list(want), want) == want
        async with httpx.AsyncClient() as client:
            health = (await client.get(ledger.health_url, timeout=5)).json()  # type: ignore[arg-type]
        assert health["status"] == "ok" and health["consumer"]["skipped"] >= 6, health

        # Item 1 survives a restart: the rebuild replays the log without the far-dated transfer, so the
        # fan-in's payers are still in the window and one more payer is flagged as fan-in again.
        screener.stop()
        screener = screener_process(tmp_path, kafka_bootstrap, names, group, 2)
        screener.start()
        after = [
            *fan_in("f", NOW - timedelta(hours=5), range(8, 9)),
            good("exB-listed2", "exB", NOW - timedelta(hours=1), "acct-6", "ext-2", wallet_address=LISTED[1],
                 hosted=False),
            good("exB-good2", "exB", NOW - timedelta(hours=1), "acct-7", "acct-8"),
        ]
        await produce(kafka_bootstrap, names.transfers, after)
        more = {"exA-f8", "exB-listed2", "exB-good2"}
        seen = await consume_until(kafka_bootstrap, names.decisions, lambda r: more <= set(decisions_of(r)), 120)
        decided = decisions_of(seen)
        assert "graph.fan_in" in rules(decided["exA-f8"]), decided["exA-f8"]
        assert decided["exB-listed2"].action is Action.HOLD and "sanctions.wallet" in rules(decided["exB-listed2"])
        assert decided["exB-good2"].action is Action.ALLOW
        want = {"exB-good2": "settled", "exB-listed2": "escrowed"}
        assert await states(ledger, list(want), want) == want
        log = (tmp_path / "screener-2.log").read_text()
        assert "graph rebuilt from the log" in log and "in the window" in log
    finally:
        screener.stop()
        ledger.stop()
