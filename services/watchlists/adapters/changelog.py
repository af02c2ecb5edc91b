"""`aml.watchlists.v1`: publish snapshot versions as a changelog, and follow it to get every version.

The topic has one partition, so order is total. A version is published as one record per added or
changed entry (key `<list>:<entry_id>`, value `WatchlistRecord`), a tombstone per removed entry, then
a `WatchlistCommit`. A follower applies what came since the previous commit only when it reads the
next commit, so a half-published version is never used, and those records are exactly the diff.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from schemas.common import utc_now
from schemas.watchlist import COMMIT_KEY, WatchlistCommit, WatchlistEntry, WatchlistRecord
from services.watchlists.snapshot import Snapshot, SnapshotDiff, diff

log = logging.getLogger(__name__)

_MAX_MESSAGE = 4 * 1024 * 1024


@dataclass
class ChangelogState:
    """Entries as of the last commit, plus the records read since it (the pending diff)."""

    entries: dict[str, WatchlistEntry] = field(default_factory=dict)
    commit: WatchlistCommit | None = None
    _pending: dict[str, WatchlistEntry | None] = field(default_factory=dict)

    def read(self, key: bytes | None, value: bytes | None) -> WatchlistCommit | None:
        """Take one record; returns the commit when the record closed a version."""
        if key == COMMIT_KEY:
            commit = WatchlistCommit.model_validate_json(value or b"")
            for entry_key, entry in self._pending.items():
                if entry is None:
                    self.entries.pop(entry_key, None)
                else:
                    self.entries[entry_key] = entry
            self._pending.clear()
            self.commit = commit
            return commit
        entry_key = (key or b"").decode()
        self._pending[entry_key] = None if value is None else WatchlistRecord.model_validate_json(value).entry
        return None

    def snapshot(self) -> Snapshot:
        return Snapshot.build(self.entries.values(), sources=("changelog",))


async def read_state(bootstrap: str, topic: str) -> ChangelogState:
    """Everything on the topic up to its current end (for publishers, to diff against)."""
    state = ChangelogState()
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, max_partition_fetch_bytes=_MAX_MESSAGE
    )
    await consumer.start()
    try:
        partition = TopicPartition(topic, 0)
        consumer.assign([partition])
        await consumer.seek_to_beginning(partition)
        end = (await consumer.end_offsets([partition]))[partition]
        while await consumer.position(partition) < end:
            batches = await consumer.getmany(partition, timeout_ms=500)
            for record in batches.get(partition, []):
                state.read(record.key, record.value)
    finally:
        await consumer.stop()
    return state


async def publish(bootstrap: str, topic: str, new: Snapshot) -> tuple[WatchlistCommit | None, SnapshotDiff]:
    """Publish `new` as the next version; nothing is sent when the topic already holds it."""
    state = await read_state(bootstrap, topic)
    old = state.snapshot()
    changes = diff(old, new)
    if state.commit is not None and state.commit.version == new.version:
        return None, changes
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", max_request_size=_MAX_MESSAGE, linger_ms=5)
    await producer.start()
    try:
        sends = []
        for entry in [*changes.added, *(pair[1] for pair in changes.changed)]:
            record = WatchlistRecord(version=new.version, entry=entry)
            sends.append(await producer.send(topic, record.model_dump_json().encode(), key=entry.key.encode()))
        for entry in changes.removed:
            sends.append(await producer.send(topic, None, key=entry.key.encode()))
        await asyncio.gather(*sends)
        commit = WatchlistCommit(
            version=new.version,
            previous=state.commit.version if state.commit else None,
            counts=new.counts,
            entries=len(new.entries),
            added=len(changes.added),
            changed=len(changes.changed),
            removed=len(changes.removed),
            published_at=utc_now(),
        )
        await producer.send_and_wait(topic, commit.model_dump_json().encode(), key=COMMIT_KEY)
    finally:
        await producer.stop()
    return commit, changes


OnVersion = Callable[[Snapshot, SnapshotDiff | None, WatchlistCommit], Awaitable[None]]
"""Called with the new snapshot, its diff against the previous one (None for the version found at
start-up) and the commit record."""


class ChangelogFollower:
    """Tails the changelog from the beginning and calls `on_version` for each committed version."""

    def __init__(self, bootstrap: str, topic: str, on_version: OnVersion) -> None:
        self.bootstrap = bootstrap
        self.topic = topic
        self.on_version = on_version
        self.state = ChangelogState()
        self._task: asyncio.Task[None] | None = None
        self.caught_up = asyncio.Event()
        """Set once the follower has read to the end of the log as it was at start."""

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="watchlist-follower")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap, enable_auto_commit=False, max_partition_fetch_bytes=_MAX_MESSAGE
        )
        await consumer.start()
        partition = TopicPartition(self.topic, 0)
        try:
            consumer.assign([partition])
            await consumer.seek_to_beginning(partition)
            end = (await consumer.end_offsets([partition]))[partition]
            previous: Snapshot | None = None
            while True:
                batches = await consumer.getmany(partition, timeout_ms=300)
                for record in batches.get(partition, []):
                    # An unreadable record raises: skipping it would apply its version incomplete.
                    # The screener keeps its last good version and the error reaches the log.
                    commit = self.state.read(record.key, record.value)
                    if commit is not None and previous is not None:
                        current = self.state.snapshot()
                        await self.on_version(current, diff(previous, current), commit)
                        previous = current
                if previous is None and await consumer.position(partition) >= end:
                    # Caught up with the log as it was at start: history is state, not news, so the
                    # newest version is applied once without a diff (no retro-screening of the past).
                    self.caught_up.set()
                    if self.state.commit is not None:
                        previous = self.state.snapshot()
                        await self.on_version(previous, None, self.state.commit)
                    else:
                        previous = Snapshot.build(())
        finally:
            await consumer.stop()
