"""The case desk records a suppression when a sanctions name match is closed as a false positive with four
eyes: the outbox publisher completes it from the case's records (the hold's evidence, the transfer, the
officers' notes) and publishes it on the compacted suppressions topic; on SQLite and PostgreSQL, with the
real broker."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import select

from schemas import Action, Decision, IdType, Suppression, TransferEvent
from schemas.suppression import DEFAULT_LIFETIME, entry_fingerprint
from services.broker import ensure_topics
from services.casedesk.adapters.case_store import CaseStore, QueueFilter
from services.casedesk.adapters.outbox import NOT_RECORDED, SUPPRESSION, OutboxPublisher
from services.casedesk.adapters.tables import outbox
from services.casedesk.domain.alert import CaseAlert
from services.casedesk.domain.priority import DEFAULT_SLA_HOURS
from services.screener.adapters.lists import excerpt_snapshot, load_watchlist
from services.screener.domain.decide import Policy, screen
from services.screener.domain.rules import ScreeningContext
from services.screener.domain.suppressions import SUPPRESSED, Suppressions, party_of
from tests.casedesk.domain.builders import wire_alert
from tests.factories import party, transfer
from tests.screener.suppression_support import (
    CHECKER_NOTE,
    MAKER_NOTE,
    case_store,
    close_as_false_positive,
    file_hold,
)
from tests.streams import consume_until, fresh_topics

pytestmark = [pytest.mark.kafka, pytest.mark.asyncio]

LISTS = load_watchlist()
ZHANG = next(e for e in excerpt_snapshot().entries if e.entry_id == "45391")  # "ZHANG, Wei", born 1977
CUSTOMER = party(
    "acct-w", name="Wei Zhang", date_of_birth=date(1990, 3, 12), id_type=IdType.CNIC, id_number="35202-1234567-1"
)
POLICY = Policy(version="p-1")


def held_transfer(transfer_id: str) -> tuple[TransferEvent, Decision]:
    event = transfer(transfer_id=transfer_id, originator=CUSTOMER, occurred_at=datetime.now(UTC))
    decision = screen(event, ScreeningContext(watchlist=LISTS), POLICY, datetime.now(UTC))
    assert decision.action == Action.HOLD and decision.reasons[0].evidence["entry_key"] == ZHANG.key
    return event, decision


@pytest_asyncio.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[CaseStore]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'casedesk.db'}"
    else:
        url = request.getfixturevalue("postgres_cluster").create_database(f"casedesk_{uuid.uuid4().hex[:8]}")
    made = await case_store(url)
    yield made
    await made.engine.dispose()


async def _publisher(store: CaseStore, bootstrap: str) -> tuple[OutboxPublisher, str, str]:
    names = await fresh_topics(bootstrap)
    topic = f"t.suppressions.{names.suffix}"
    publisher = OutboxPublisher(store, bootstrap, names.decisions, suppressions_topic=topic)
    await publisher.producer.start()  # flush() by hand: no background loop
    return publisher, names.decisions, topic


async def _pending(store: CaseStore) -> int:
    async with store.engine.connect() as connection:
        rows = await connection.execute(select(outbox.c.id).where(~outbox.c.published, outbox.c.kind == SUPPRESSION))
        return len(rows.all())


async def test_a_false_positive_closure_publishes_the_suppression_the_screener_honours(
    store: CaseStore, kafka_bootstrap: str
) -> None:
    event, held = held_transfer("exA:t1")
    case_id = await file_hold(store, held, event)
    closed = await close_as_false_positive(store, case_id)
    assert [(s.entry_key, s.account_id) for s in closed.suppressions] == [(ZHANG.key, "acct-w")]
    publisher, decisions, topic = await _publisher(store, kafka_bootstrap)
    try:
        assert await publisher.flush() == 2  # the release of the hold and the suppression
        assert await publisher.flush() == 0  # nothing twice
    finally:
        await publisher.stop()
    (released,) = await consume_until(kafka_bootstrap, decisions, lambda r: len(r) >= 1)
    assert Decision.model_validate_json(released.value).supersedes == held.decision_id
    (record,) = await consume_until(kafka_bootstrap, topic, lambda r: len(r) >= 1)
    suppression = Suppression.model_validate_json(record.value)
    assert record.key == str(suppression.suppression_id).encode()
    assert (suppression.entry_key, suppression.entry_fingerprint) == (ZHANG.key, entry_fingerprint(ZHANG))
    assert suppression.watchlist_version == LISTS.version and suppression.case_id == case_id
    assert (suppression.decided_by, suppression.approved_by) == ("amina", "bilal")
    assert suppression.reason == f"{MAKER_NOTE} (approved by bilal: {CHECKER_NOTE})"
    assert suppression.party.model_dump() == {
        "name": "wei zhang",
        "date_of_birth": date(1990, 3, 12),
        "id_type": IdType.CNIC,
        "id_number": "3520212345671",
        "account_id": "acct-w",
    }
    assert suppression.expires_at - suppression.created_at == DEFAULT_LIFETIME
    assert abs(suppression.created_at - datetime.now(UTC)) < timedelta(minutes=5)
    assert await _pending(store) == 0
    # The case desk and the screener agree on the party: the customer's next transfer is allowed.
    again = transfer(transfer_id="exA:t2", originator=CUSTOMER, occurred_at=datetime.now(UTC))
    ctx = ScreeningContext(watchlist=LISTS, suppressions=Suppressions.build([suppression]))
    decision = screen(again, ctx, POLICY, datetime.now(UTC))
    assert decision.action == Action.ALLOW and [r.rule_id for r in decision.reasons] == [SUPPRESSED]
    cleared = party_of(CUSTOMER)
    assert cleared is not None and Suppression.derive_id(ZHANG.key, cleared.fingerprint) == suppression.suppression_id


async def test_a_suppression_waits_for_its_transfer_and_is_then_published(
    store: CaseStore, kafka_bootstrap: str
) -> None:
    event, held = held_transfer("exA:t3")
    case_id = await file_hold(store, held, None)  # the decision came before the transfer
    await close_as_false_positive(store, case_id)
    publisher, _, topic = await _publisher(store, kafka_bootstrap)
    try:
        assert await publisher.flush() == 1  # the resolution only
        assert await _pending(store) == 1
        await store.record_transfers([event])
        assert await publisher.flush() == 1
    finally:
        await publisher.stop()
    (record,) = await consume_until(kafka_bootstrap, topic, lambda r: len(r) >= 1)
    assert Suppression.model_validate_json(record.value).party.date_of_birth == date(1990, 3, 12)
    assert await _pending(store) == 0


async def test_a_retro_hit_closure_is_audited_as_not_recorded_and_settled(
    store: CaseStore, kafka_bootstrap: str
) -> None:
    retro = wire_alert(entry_key=ZHANG.key, subjects=("acct-w",))
    filed = [(CaseAlert.from_alert(retro), retro.model_dump(mode="json"))]
    assert await store.absorb(filed, datetime.now(UTC), DEFAULT_SLA_HOURS) == 1
    (case,), _ = await store.queue(QueueFilter(), None, datetime.now(UTC))
    closed = await close_as_false_positive(store, case.case_id)
    assert len(closed.suppressions) == 1
    publisher, _, topic = await _publisher(store, kafka_bootstrap)
    try:
        assert await publisher.flush() == 0
    finally:
        await publisher.stop()
    assert await _pending(store) == 0
    (entry,) = [e for e in await store.history(case.case_id) if e.action == NOT_RECORDED]
    assert "retro-screening" in entry.payload["reason"] and entry.payload["entry_key"] == ZHANG.key
    await ensure_topics(kafka_bootstrap, {topic: 1})
    with pytest.raises(TimeoutError):
        await consume_until(kafka_bootstrap, topic, lambda r: len(r) >= 1, within=2.0)
