"""False-positive memory on the real broker, end to end: a screener holds a customer named like a listed
person; officers close the case as a false positive with four eyes (case desk on SQLite, the outbox
publisher); the running screener receives the suppression on the compacted topic and allows that
customer's next transfer, saying which suppression applied, while a namesake with another birth date is
still held; a new watchlist version that changes the entry lapses the suppression."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from schemas import Action, Decision, IdType, Party, Suppression, TransferEvent, topics
from schemas.watchlist import EntryName, NameKind
from services.broker import ensure_topics
from services.casedesk.adapters.outbox import OutboxPublisher
from services.screener.adapters.lists import excerpt_snapshot
from services.screener.bootstrap import build_app
from services.screener.domain.sanctions import SANCTIONED_NAME
from services.screener.domain.suppressions import SUPPRESSED
from services.screener.settings import Settings
from services.watchlists.adapters.changelog import publish
from services.watchlists.snapshot import Snapshot
from tests.e2e.support import publish_lists
from tests.factories import party, transfer
from tests.screener.suppression_support import case_store, close_as_false_positive, file_hold
from tests.streams import Topics, consume_until, fresh_topics, produce

pytestmark = [pytest.mark.kafka, pytest.mark.asyncio]

V1 = excerpt_snapshot()
ZHANG = next(e for e in V1.entries if e.entry_id == "45391")  # OFAC SDN "ZHANG, Wei", born 1977-06-16
CUSTOMER = party(
    "acct-w", name="Wei Zhang", date_of_birth=date(1990, 3, 12), id_type=IdType.CNIC, id_number="35202-1234567-1"
)
NAMESAKE = party("acct-n", name="Wei Zhang", date_of_birth=date(1985, 1, 1))


async def _send(bootstrap: str, names: Topics, transfer_id: str, originator: Party) -> TransferEvent:
    # A new beneficiary each time: repeated payments to one would be a graph pattern of their own.
    beneficiary = party(f"to-{transfer_id}")
    event = transfer(
        transfer_id=transfer_id, originator=originator, beneficiary=beneficiary, occurred_at=datetime.now(UTC)
    )
    await produce(bootstrap, names.transfers, [(originator.account_id.encode(), event.model_dump_json().encode())])
    return event


async def _decision(bootstrap: str, names: Topics, transfer_id: str) -> Decision:
    """The screener's decision on `transfer_id` (the topic also carries the officers' resolutions)."""

    def screened(records: list[object]) -> list[Decision]:
        found = [Decision.model_validate_json(r.value) for r in records]  # type: ignore[attr-defined]
        return [d for d in found if d.transfer_id == transfer_id and not d.is_resolution]

    (decision,) = screened(await consume_until(bootstrap, names.decisions, lambda r: bool(screened(r))))
    return decision


async def _logged(caplog: pytest.LogCaptureFixture, text: str, within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    while not any(text in r.getMessage() for r in caplog.records):
        if time.monotonic() > deadline:
            raise TimeoutError(f"nothing logged with {text!r} within {within} s")
        await asyncio.sleep(0.1)


async def test_a_cleared_false_positive_is_not_held_again_until_the_entry_changes(
    kafka_bootstrap: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    names = await fresh_topics(kafka_bootstrap)
    watchlists, alerts = f"t.watchlists.{names.suffix}", f"t.alerts.{names.suffix}"
    suppressions = f"t.suppressions.{names.suffix}"
    await ensure_topics(kafka_bootstrap, {alerts: 1})
    await ensure_topics(
        kafka_bootstrap, {suppressions: 1}, configs={suppressions: topics.TOPIC_CONFIGS[topics.SUPPRESSIONS]}
    )
    await publish_lists(kafka_bootstrap, names)
    settings = Settings(
        kafka_bootstrap_servers=kafka_bootstrap,
        transfers_topic=names.transfers,
        decisions_topic=names.decisions,
        dlq_topic=names.dlq,
        watchlists_topic=watchlists,
        alerts_topic=alerts,
        suppressions_topic=suppressions,
        group_id=f"screener-{uuid.uuid4().hex[:6]}",
        session_timeout_ms=6000,
        heartbeat_interval_ms=500,
        http_port=0,
    )
    store = await case_store(f"sqlite+aiosqlite:///{tmp_path / 'casedesk.db'}")
    app = build_app(settings)
    await app.start()
    try:
        # 1. Held: the customer is named like the listed person (another birth date, but a strong name match).
        sent = await _send(kafka_bootstrap, names, "fp-1", CUSTOMER)
        first = await _decision(kafka_bootstrap, names, "fp-1")
        assert first.action == Action.HOLD
        assert [(r.rule_id, r.evidence["entry_key"]) for r in first.reasons] == [(SANCTIONED_NAME, ZHANG.key)]

        # 2. Officers close the case as a false positive, four eyes; the outbox publishes the suppression.
        case_id = await file_hold(store, first, sent)
        await close_as_false_positive(store, case_id)
        publisher = OutboxPublisher(store, kafka_bootstrap, names.decisions, suppressions_topic=suppressions)
        await publisher.producer.start()
        try:
            assert await publisher.flush() == 2  # the hold's release and the suppression
        finally:
            await publisher.stop()
        (record,) = await consume_until(kafka_bootstrap, suppressions, lambda r: len(r) >= 1)
        suppression = Suppression.model_validate_json(record.value)
        await _logged(caplog, f"suppression {suppression.suppression_id} recorded")

        # 3. The same customer's next transfer is allowed, naming the suppression that applied.
        await _send(kafka_bootstrap, names, "fp-2", CUSTOMER)
        second = await _decision(kafka_bootstrap, names, "fp-2")
        assert second.action == Action.ALLOW and second.score == 0.0
        (reason,) = second.reasons
        assert reason.rule_id == SUPPRESSED and reason.severity.value == "info"
        assert reason.evidence["suppression_id"] == str(suppression.suppression_id)
        assert reason.evidence["approved_by"] == "bilal" and reason.evidence["suppressed_entry_key"] == ZHANG.key
        assert second.watchlist_version == V1.version

        # 4. A namesake with another birth date is held as before.
        await _send(kafka_bootstrap, names, "fp-3", NAMESAKE)
        third = await _decision(kafka_bootstrap, names, "fp-3")
        assert third.action == Action.HOLD and [r.rule_id for r in third.reasons] == [SANCTIONED_NAME]

        # 5. A new version changes the entry (an added alias): the suppression lapses, the customer is held.
        alias = EntryName(full="ZHANG, Weiwei", kind=NameKind.ALIAS)
        changed = ZHANG.model_copy(update={"names": (*ZHANG.names, alias)})
        v2 = Snapshot.build([changed if e.key == ZHANG.key else e for e in V1.entries])
        await publish(kafka_bootstrap, watchlists, v2)
        await _logged(caplog, f"watchlist {v2.version} applied")
        await _send(kafka_bootstrap, names, "fp-4", CUSTOMER)
        fourth = await _decision(kafka_bootstrap, names, "fp-4")
        assert fourth.action == Action.HOLD and fourth.watchlist_version == v2.version
        (held,) = fourth.reasons
        assert held.rule_id == SANCTIONED_NAME
        assert held.evidence["lapsed_suppression"]["suppression_id"] == str(suppression.suppression_id)
        assert held.evidence["lapsed_suppression"]["lapsed"] == "entry_changed"
    finally:
        await app.stop()
        await store.engine.dispose()
