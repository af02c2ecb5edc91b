"""The suppression follower on the real broker: what is on the compacted topic is in force before screening
starts; later records, tombstones and unreadable records change the index between batches; a topic that
does not exist yet is waited for, never created."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from schemas import Party, Suppression, topics
from schemas.suppression import entry_fingerprint
from schemas.watchlist import EntryName, ListName, WatchlistEntry
from services.broker import ensure_topics
from services.broker.topics import partitions_of
from services.screener.adapters.suppression_feed import SuppressionFeed
from services.screener.domain.rules import ScreeningContext
from services.screener.domain.suppressions import party_of
from services.screener.domain.watchlist import WatchlistSnapshot
from tests.factories import party
from tests.streams import produce

pytestmark = [pytest.mark.kafka, pytest.mark.asyncio]

ENTRY = WatchlistEntry(entry_id="45391", list_name=ListName.OFAC_SDN, names=(EntryName(full="ZHANG, Wei"),))
CREATED = datetime(2026, 11, 1, tzinfo=UTC)


@dataclass
class _Handler:
    context: ScreeningContext


def _suppression(of: Party) -> Suppression:
    cleared = party_of(of)
    assert cleared is not None
    return Suppression(
        suppression_id=Suppression.derive_id(ENTRY.key, cleared.fingerprint),
        entry_key=ENTRY.key,
        entry_fingerprint=entry_fingerprint(ENTRY),
        watchlist_version="wl-1",
        party=cleared,
        decided_by="amina",
        approved_by="bilal",
        reason="another person",
        created_at=CREATED,
        expires_at=CREATED + timedelta(days=365),
    )


A = _suppression(party("acct-a", name="Wei Zhang", date_of_birth=date(1990, 3, 12)))
B = _suppression(party("acct-b", name="Wei Zhang", date_of_birth=date(1991, 4, 1)))


def _record(s: Suppression) -> tuple[bytes, bytes]:
    return s.key, s.model_dump_json().encode()


async def _compacted(bootstrap: str, topic: str) -> None:
    await ensure_topics(bootstrap, {topic: 1}, configs={topic: topics.TOPIC_CONFIGS[topics.SUPPRESSIONS]})


async def _until(condition: Callable[[], bool], within: float = 20.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.05)


def _ids(handler: _Handler) -> set[str]:
    return {str(s.suppression_id) for s in handler.context.suppressions.by_pair.values()}


def _handler() -> _Handler:
    return _Handler(ScreeningContext(watchlist=WatchlistSnapshot.build("wl-1", [])))


async def test_the_topic_as_it_was_is_in_force_at_start_then_changes_and_bad_records_are_survived(
    kafka_bootstrap: str, unique: Callable[[str], str], caplog: pytest.LogCaptureFixture
) -> None:
    topic = unique("t.suppressions")
    await _compacted(kafka_bootstrap, topic)
    await produce(kafka_bootstrap, topic, [_record(A), (b"garbage-key", b"\x00 not json")])
    handler = _handler()
    feed = SuppressionFeed(kafka_bootstrap, topic, handler)
    await feed.start(wait_s=20)
    try:
        assert _ids(handler) == {str(A.suppression_id)}  # in force before the first batch is screened
        assert feed.status.caught_up and feed.status.in_force == 1
        assert feed.status.unreadable["garbage-key"].startswith("offset 1: not a suppression")
        assert any("unreadable suppression record garbage-key" in r.getMessage() for r in caplog.records)
        # Later: B recorded, A revoked by a tombstone, a record under a key that is not its id refused.
        await produce(kafka_bootstrap, topic, [_record(B), (A.key, None)])  # type: ignore[list-item]
        await _until(lambda: _ids(handler) == {str(B.suppression_id)})
        await produce(kafka_bootstrap, topic, [(B.key, A.model_dump_json().encode())])
        await _until(lambda: not _ids(handler))  # the key's suppression is dropped: hits are raised again
        assert "holds suppression" in feed.status.unreadable[str(B.suppression_id)]
        assert feed.status.running and feed.status.error is None
    finally:
        await feed.stop()


async def test_a_missing_topic_is_waited_for_and_not_created(
    kafka_bootstrap: str, unique: Callable[[str], str], caplog: pytest.LogCaptureFixture
) -> None:
    topic = unique("t.suppressions")
    handler = _handler()
    feed = SuppressionFeed(kafka_bootstrap, topic, handler, probe_s=0.2)
    started = time.monotonic()
    await feed.start(wait_s=20)
    try:
        assert time.monotonic() - started < 10  # screening is not held up for a topic nobody made yet
        assert not feed.status.topic_exists and not _ids(handler)
        assert any(f"suppressions topic {topic} does not exist" in r.getMessage() for r in caplog.records)
        await asyncio.sleep(0.5)
        assert await partitions_of(kafka_bootstrap, topic) == []  # the follower did not create it
        await _compacted(kafka_bootstrap, topic)
        await produce(kafka_bootstrap, topic, [_record(A)])
        await _until(lambda: _ids(handler) == {str(A.suppression_id)})
        assert feed.status.topic_exists
    finally:
        await feed.stop()
