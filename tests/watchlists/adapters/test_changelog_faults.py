"""Bad records on the watchlist changelog, on the real broker: refused, survived, healed by the next publish."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from aiokafka import AIOKafkaProducer

from schemas.common import utc_now
from schemas.watchlist import COMMIT_KEY, EntryName, ListName, WatchlistCommit, WatchlistEntry
from services.broker import ensure_topics
from services.watchlists.adapters.changelog import ChangelogFollower, publish, read_state
from services.watchlists.snapshot import Snapshot, SnapshotDiff
from tests.support.kafka import unique_name

pytestmark = [pytest.mark.kafka, pytest.mark.asyncio]

CHANGELOG = "services.watchlists.adapters.changelog"
GARBAGE = {
    "not-json": (b"\x00\x01 not json", "Invalid JSON"),
    "not-a-record": (b'{"kind": "entry", "version": "v", "entry": {"entry_id": "B", "list_name": "custom"}}',
                     "entry.names: Field required"),
}


def _entry(entry_id: str, name: str) -> WatchlistEntry:
    return WatchlistEntry(entry_id=entry_id, list_name=ListName.CUSTOM, names=(EntryName(full=name),))


V1 = Snapshot.build([_entry("A", "Alpha One"), _entry("B", "Beta Two")])
V2 = Snapshot.build([*V1.entries, _entry("C", "Gamma Three")])


@dataclass
class Versions:
    """An `on_version` that records what it was called with."""

    seen: list[tuple[str, SnapshotDiff | None]] = field(default_factory=list)

    async def __call__(self, snapshot: Snapshot, changes: SnapshotDiff | None, commit: WatchlistCommit) -> None:
        self.seen.append((snapshot.version, changes))

    def versions(self) -> list[str]:
        return [version for version, _ in self.seen]


async def _until(condition: Callable[[], bool], within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"condition not met within {within} s")
        await asyncio.sleep(0.05)


async def _send(bootstrap: str, topic: str, *records: tuple[bytes, bytes | None]) -> list[int]:
    """Produce raw records as a broken publisher would; returns their offsets."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        return [(await producer.send_and_wait(topic, value, key=key)).offset for key, value in records]
    finally:
        await producer.stop()


def _commit(version: str) -> bytes:
    return WatchlistCommit(version=version, entries=2, published_at=utc_now()).model_dump_json().encode()


async def _topic(bootstrap: str) -> str:
    topic = unique_name("t.watchlists")
    await ensure_topics(bootstrap, {topic: 1}, configs={topic: {"cleanup.policy": "compact"}})
    return topic


def _errors(caplog: pytest.LogCaptureFixture, *words: str) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.name == CHANGELOG and r.levelno == logging.ERROR and all(w in r.getMessage() for w in words)]


@pytest.mark.parametrize("garbage", sorted(GARBAGE))
async def test_an_unreadable_entry_is_refused_survived_and_healed_by_the_next_publish(
    kafka_bootstrap: str, caplog: pytest.LogCaptureFixture, garbage: str
) -> None:
    value, problem = GARBAGE[garbage]
    topic = await _topic(kafka_bootstrap)
    await publish(kafka_bootstrap, topic, V1)
    running = Versions()
    follower = ChangelogFollower(kafka_bootstrap, topic, running)
    await follower.start()
    restarted = Versions()
    fresh = ChangelogFollower(kafka_bootstrap, topic, restarted)
    try:
        await _until(lambda: running.versions() == [V1.version])
        bad, _ = await _send(kafka_bootstrap, topic, (b"custom:B", value), (COMMIT_KEY, _commit("wl-broken")))

        await _until(lambda: follower.status.refused == ("wl-broken",))
        status = follower.status
        assert status.running and status.applied == V1.version and status.newest == "wl-broken"
        assert not status.healthy and status.as_dict()["healthy"] is False
        assert status.as_dict()["refused"] == ["wl-broken"]
        assert list(status.unreadable) == ["custom:B"] and problem in status.unreadable["custom:B"]
        assert _errors(caplog, "wl-broken", "refused", "custom:B", f"offset {bad}", problem, V1.version)
        assert running.versions() == [V1.version], "the incomplete version must not be applied"

        # A follower started now (a restarted screener) falls back to the last complete version.
        await fresh.start()
        await _until(lambda: restarted.versions() == [V1.version])
        assert restarted.seen == [(V1.version, None)]
        assert fresh.status.refused == ("wl-broken",) and fresh.status.applied == V1.version
        assert _errors(caplog, "newest watchlist version wl-broken", "incomplete", f"offset {bad}",
                       f"applying the last complete version {V1.version}")

        # What publish reads back lacks B, so its diff sends B again: the version is complete.
        state = await read_state(kafka_bootstrap, topic)
        assert list(state.unreadable) == ["custom:B"]
        assert [e.key for e in state.projected().entries] == ["custom:A"]
        commit, changes = await publish(kafka_bootstrap, topic, V2, state=state)
        assert commit is not None and commit.version == V2.version
        assert sorted(e.key for e in changes.added) == ["custom:B", "custom:C"]

        await _until(lambda: running.versions() == [V1.version, V2.version])
        await _until(lambda: restarted.versions() == [V1.version, V2.version])
        assert follower.status.healthy and fresh.status.healthy
    finally:
        await follower.stop()
        await fresh.stop()
    healed = running.seen[-1][1]
    assert healed is not None and [e.key for e in healed.added] == ["custom:C"] and not healed.changed
    after = await read_state(kafka_bootstrap, topic)
    assert after.unreadable == {} and after.newest_complete and after.snapshot().version == V2.version


async def test_an_unreadable_key_no_longer_listed_is_healed_by_a_tombstone(kafka_bootstrap: str) -> None:
    topic = await _topic(kafka_bootstrap)
    await publish(kafka_bootstrap, topic, V1)
    bad, _ = await _send(kafka_bootstrap, topic, (b"custom:\xff", b"{}"), (COMMIT_KEY, _commit("wl-broken")))
    running = Versions()
    follower = ChangelogFollower(kafka_bootstrap, topic, running)
    await follower.start()
    try:
        await _until(lambda: running.versions() == [V1.version])
        assert follower.status.unreadable == {"custom:\\xff": f"offset {bad}: key is not valid UTF-8"}
        commit, _ = await publish(kafka_bootstrap, topic, V2)
        assert commit is not None and commit.removed == 1  # the tombstone under the key's own bytes
        await _until(lambda: running.versions() == [V1.version, V2.version])
        assert follower.status.unreadable == {} and follower.status.healthy
    finally:
        await follower.stop()
    assert (await read_state(kafka_bootstrap, topic)).newest_complete


async def test_an_unreadable_commit_is_survived_and_the_next_commit_covers_its_records(
    kafka_bootstrap: str, caplog: pytest.LogCaptureFixture
) -> None:
    topic = await _topic(kafka_bootstrap)
    await publish(kafka_bootstrap, topic, V1)
    running = Versions()
    follower = ChangelogFollower(kafka_bootstrap, topic, running)
    await follower.start()
    try:
        await _until(lambda: running.versions() == [V1.version])
        # C is published, but its commit is garbage: C waits, the follower reads on.
        (gamma,) = [e for e in V2.entries if e.entry_id == "C"]
        record = f'{{"kind": "entry", "version": "{V2.version}", "entry": {gamma.model_dump_json()}}}'.encode()
        _, bad = await _send(kafka_bootstrap, topic, (b"custom:C", record), (COMMIT_KEY, b"{truncated"))
        await _until(lambda: follower.status.bad_commits == 1)
        assert follower.status.running and follower.status.applied == V1.version
        assert _errors(caplog, f"offset {bad}: commit record unreadable")

        commit, changes = await publish(kafka_bootstrap, topic, V2)
        assert commit is not None and changes.empty, "C is already on the log: the new commit covers it"
        await _until(lambda: running.versions() == [V1.version, V2.version])
        assert follower.status.healthy
    finally:
        await follower.stop()
    applied = running.seen[-1][1]
    assert applied is not None and [e.key for e in applied.added] == ["custom:C"]


async def test_the_follower_logs_a_failure_and_resumes_where_it_was(
    kafka_bootstrap: str, caplog: pytest.LogCaptureFixture
) -> None:
    topic = await _topic(kafka_bootstrap)
    await publish(kafka_bootstrap, topic, V1)
    calls: list[str] = []

    async def fails_once(snapshot: Snapshot, changes: SnapshotDiff | None, commit: WatchlistCommit) -> None:
        calls.append(snapshot.version)
        if len(calls) == 1:
            raise RuntimeError("lists could not be built")

    follower = ChangelogFollower(kafka_bootstrap, topic, fails_once, retry_pause_s=0.1)
    await follower.start()
    try:
        await _until(lambda: follower.status.applied == V1.version)
        assert calls == [V1.version, V1.version]
        status = follower.status
        assert status.running and status.restarts == 1 and status.error is None
        (failure,) = [r for r in caplog.records if r.name == CHANGELOG and "failed" in r.getMessage()]
        assert failure.exc_info is not None and "lists could not be built" in str(failure.exc_info[1])
        assert "resuming from offset" in failure.getMessage()
    finally:
        await follower.stop()


async def test_an_unreachable_broker_is_retried_not_fatal(caplog: pytest.LogCaptureFixture) -> None:
    follower = ChangelogFollower("127.0.0.1:1", "t.watchlists.nowhere", Versions(), retry_pause_s=0.05)
    await follower.start()
    try:
        await _until(lambda: follower.status.restarts >= 2, within=10)
        status = follower.status
        assert status.running and not status.caught_up and status.applied is None
        assert status.error is not None and status.error.startswith("KafkaConnectionError")
    finally:
        await follower.stop()
    assert not follower.status.running
