"""`aml.watchlists.v1`: publish snapshot versions as a changelog, and follow it to get every version.

The topic has one partition, so order is total. A version is published as one record per added or
changed entry (key `<list>:<entry_id>`, value `WatchlistRecord`), a tombstone per removed entry, then
a `WatchlistCommit`. A follower applies what came since the previous commit only when it reads the
next commit, so a half-published version is never used, and those records are exactly the diff.

Records that do not parse. Reading never raises on one, because one bad record must not stop every
screener from following the lists:

- An entry record whose value is not a `WatchlistRecord` (or holds another entry than its key names,
  or whose key is not UTF-8) makes its key *unreadable*: `ChangelogState.unreadable` maps the key to a
  one-line reason naming the offset and the problem. The key is left out of the state (not kept at
  its old value: what the publisher meant is unknown). A later good record or tombstone for the key
  clears it.
- A commit record that does not parse is counted (`bad_commits`) and logged by the follower; the
  records since the last commit stay pending, so the next good commit covers them.
- A version whose commit is read while any key is unreadable is *incomplete*: screening against it
  would miss entries, so the follower refuses it (logged at ERROR with the keys and offsets) and the
  last complete version stays in force. The state keeps the entries of the last complete version, so
  a follower started while the newest version is incomplete applies that one instead (and says so).
  With no complete version on the log (a compacted log keeps only the newest commit), nothing is
  applied and the screener holds every transfer, as it does before any version is published.
- Healing: `publish` diffs against what the next commit would make of the log, where unreadable keys
  are missing, so it re-sends every unreadable entry the new snapshot still lists and a tombstone for
  the others; its version is complete again and followers apply it.

The follower never ends on an error: anything unexpected (a broker that went away, a version that
failed to apply) is logged with its traceback and the follower resumes after a pause from the first
record it had not finished, with the version in force unchanged. `ChangelogFollower.status` reports
where it stands, for health checks.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass, field

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from pydantic import ValidationError

from schemas.common import utc_now
from schemas.watchlist import COMMIT_KEY, WatchlistCommit, WatchlistEntry, WatchlistRecord
from services.watchlists.snapshot import Snapshot, SnapshotDiff, diff

log = logging.getLogger(__name__)

_MAX_MESSAGE = 4 * 1024 * 1024
_MAX_PAUSE_S = 30.0
_REFUSED_KEPT = 20
"""Refused versions remembered for the status: enough to see a pattern, bounded for a long run."""


def _problem(error: ValidationError, shown: int = 3) -> str:
    """The pydantic problem on one line (`loc: msg; …`), without the input it echoes or its help URL."""
    parts = []
    for item in error.errors(include_url=False, include_input=False, include_context=False)[:shown]:
        where = ".".join(str(part) for part in item["loc"])
        parts.append(f"{where}: {item['msg']}" if where else item["msg"])
    more = error.error_count() - len(parts)
    text = "; ".join(parts) + (f" (+{more} more)" if more > 0 else "")
    return " ".join(text.split())


def _utf8(key: bytes) -> str | None:
    try:
        return key.decode()
    except UnicodeDecodeError:
        return None


def describe_error(error: BaseException) -> str:
    """`Type: message` on one line (Kafka client errors already start with their type)."""
    text = " ".join(str(error).split())
    name = type(error).__name__
    return text if text.startswith(name) else f"{name}: {text or 'no details'}"


def describe_unreadable(unreadable: Mapping[str, str], shown: int = 5) -> str:
    """`2 unreadable record(s): custom:B (offset 7: …), …` on one line, for logs and the CLI."""
    items = [f"{key} ({reason})" for key, reason in list(unreadable.items())[:shown]]
    more = len(unreadable) - len(items)
    return f"{len(unreadable)} unreadable record(s): " + ", ".join(items) + (f" and {more} more" if more > 0 else "")


@dataclass(frozen=True)
class CompleteVersion:
    """A commit read while every key on the log was readable, with the entries it made."""

    commit: WatchlistCommit
    entries: Mapping[str, WatchlistEntry]

    def snapshot(self) -> Snapshot:
        return Snapshot.build(self.entries.values(), sources=("changelog",))


@dataclass
class ChangelogState:
    """Entries as of the last commit, plus the records read since it (the pending diff)."""

    entries: dict[str, WatchlistEntry] = field(default_factory=dict)
    """As of the last commit, unreadable keys left out. Replaced (not changed) at each commit, so the
    entries of `complete` stay as they were."""
    commit: WatchlistCommit | None = None
    """The last commit read, complete or not."""
    complete: CompleteVersion | None = None
    """The last commit read while nothing was unreadable."""
    unreadable: dict[str, str] = field(default_factory=dict)
    """Entry key → why its newest record could not be read (offset and problem, one line)."""
    bad_commits: int = 0
    last_bad_commit: str | None = None
    _pending: dict[str, WatchlistEntry | None] = field(default_factory=dict)
    _raw_keys: dict[str, bytes] = field(default_factory=dict)
    """The key bytes of unreadable records, for a tombstone that compaction matches (a non-UTF-8 key
    is shown with backslash escapes)."""

    def read(self, key: bytes | None, value: bytes | None, offset: int) -> WatchlistCommit | None:
        """Take one record; returns the commit when the record closed a version. Never raises."""
        if key == COMMIT_KEY:
            return self._read_commit(value, offset)
        self._read_entry(key or b"", value, offset)
        return None

    @property
    def newest_complete(self) -> bool:
        """Whether the last commit read closed a complete version."""
        return self.commit is not None and self.complete is not None and self.complete.commit is self.commit

    def raw_key(self, entry_key: str) -> bytes:
        return self._raw_keys.get(entry_key, entry_key.encode())

    def snapshot(self) -> Snapshot:
        return Snapshot.build(self.entries.values(), sources=("changelog",))

    def projected(self) -> Snapshot:
        """What the next commit would make of the log as it is: the pending records applied, unreadable
        keys left out. A publisher diffs against this, so half-published records and unreadable ones are
        put right by its version instead of being carried into it."""
        return Snapshot.build(self._with_pending().values(), sources=("changelog",))

    def _read_commit(self, value: bytes | None, offset: int) -> WatchlistCommit | None:
        try:
            commit = WatchlistCommit.model_validate_json(value or b"")
        except ValidationError as error:
            # The pending records are kept: dropped, they would be lost for good, since the next
            # version's diff does not repeat them. The next good commit covers them.
            self.bad_commits += 1
            self.last_bad_commit = f"offset {offset}: commit record unreadable: {_problem(error)}"
            return None
        self.entries = self._with_pending()
        self._pending.clear()
        self.commit = commit
        if not self.unreadable:
            self.complete = CompleteVersion(commit, self.entries)
        return commit

    def _with_pending(self) -> dict[str, WatchlistEntry]:
        entries = dict(self.entries)
        for entry_key, entry in self._pending.items():
            if entry is None:
                entries.pop(entry_key, None)
            else:
                entries[entry_key] = entry
        return entries

    def _read_entry(self, key: bytes, value: bytes | None, offset: int) -> None:
        entry_key = key.decode(errors="backslashreplace")
        if value is None:
            self._take(entry_key, None)  # a tombstone needs no name: it clears even a non-UTF-8 key
        elif _utf8(key) is None:
            self._unreadable(entry_key, key, f"offset {offset}: key is not valid UTF-8")
        else:
            try:
                entry = WatchlistRecord.model_validate_json(value).entry
            except ValidationError as error:
                self._unreadable(entry_key, key, f"offset {offset}: not a watchlist record: {_problem(error)}")
                return
            if entry.key != entry_key:
                # Taken under either key, the state would hold one entry twice or under a wrong name.
                self._unreadable(entry_key, key, f"offset {offset}: the record holds entry {entry.key}")
            else:
                self._take(entry_key, entry)

    def _take(self, entry_key: str, entry: WatchlistEntry | None) -> None:
        self._pending[entry_key] = entry
        self.unreadable.pop(entry_key, None)
        self._raw_keys.pop(entry_key, None)

    def _unreadable(self, entry_key: str, key: bytes, reason: str) -> None:
        # Removed rather than kept at its old value: that value is no longer what the log says, and a
        # publisher must see the key missing to send it again.
        self._pending[entry_key] = None
        self.unreadable[entry_key] = reason
        self._raw_keys[entry_key] = key


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
                state.read(record.key, record.value, record.offset)
    finally:
        await consumer.stop()
    return state


async def publish(
    bootstrap: str, topic: str, new: Snapshot, state: ChangelogState | None = None
) -> tuple[WatchlistCommit | None, SnapshotDiff]:
    """Publish `new` as the next version; nothing is sent when the topic already holds it.

    `state` is the topic as just read (read here when not given). The diff is against what the log
    would make of the next commit, so unreadable entries still listed are sent again, and unreadable
    keys no longer listed get a tombstone: the version is complete, whatever was on the log.
    """
    if state is None:
        state = await read_state(bootstrap, topic)
    changes = diff(state.projected(), new)
    if state.commit is not None and state.commit.version == new.version and changes.empty and not state.unreadable:
        return None, changes
    listed = new.by_key()
    stale = [state.raw_key(key) for key in state.unreadable if key not in listed]
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", max_request_size=_MAX_MESSAGE, linger_ms=5)
    await producer.start()
    try:
        sends = []
        for entry in [*changes.added, *(pair[1] for pair in changes.changed)]:
            record = WatchlistRecord(version=new.version, entry=entry)
            sends.append(await producer.send(topic, record.model_dump_json().encode(), key=entry.key.encode()))
        for key in [*(entry.key.encode() for entry in changes.removed), *stale]:
            sends.append(await producer.send(topic, None, key=key))
        await asyncio.gather(*sends)
        commit = WatchlistCommit(
            version=new.version,
            previous=state.commit.version if state.commit else None,
            counts=new.counts,
            entries=len(new.entries),
            added=len(changes.added),
            changed=len(changes.changed),
            removed=len(changes.removed) + len(stale),
            published_at=utc_now(),
        )
        await producer.send_and_wait(topic, commit.model_dump_json().encode(), key=COMMIT_KEY)
    finally:
        await producer.stop()
    return commit, changes


OnVersion = Callable[[Snapshot, SnapshotDiff | None, WatchlistCommit], Awaitable[None]]
"""Called with the new snapshot, its diff against the previous one (None for the version found at
start-up) and the commit record."""


@dataclass(frozen=True)
class FollowerStatus:
    """Where a follower stands, for health reporting."""

    running: bool
    caught_up: bool
    """Read the log as it was at start."""
    applied: str | None
    """The version in force; None while transfers are held."""
    newest: str | None
    """The last commit read, applied or not."""
    refused: tuple[str, ...]
    """Incomplete versions not applied, oldest first (the last few)."""
    unreadable: Mapping[str, str]
    bad_commits: int
    error: str | None
    """The failure the follower is recovering from; None once it reads again."""
    restarts: int

    @property
    def healthy(self) -> bool:
        return (self.running and self.caught_up and self.error is None and not self.unreadable
                and self.applied is not None and self.applied == self.newest)

    def as_dict(self) -> dict[str, object]:
        """JSON-ready, for a health endpoint."""
        return {**asdict(self), "unreadable": dict(self.unreadable), "refused": list(self.refused),
                "healthy": self.healthy}


class ChangelogFollower:
    """Tails the changelog from the beginning and calls `on_version` for each complete committed version."""

    def __init__(self, bootstrap: str, topic: str, on_version: OnVersion, retry_pause_s: float = 1.0) -> None:
        self.bootstrap = bootstrap
        self.topic = topic
        self.on_version = on_version
        self.state = ChangelogState()
        self._task: asyncio.Task[None] | None = None
        self.caught_up = asyncio.Event()
        """Set once the follower has read to the end of the log as it was at start."""
        self._first_pause_s = retry_pause_s
        self._pause_s = retry_pause_s
        self._baseline: Snapshot | None = None
        """What the next version is diffed against; None until caught up."""
        self._applied: WatchlistCommit | None = None
        self._refused: deque[str] = deque(maxlen=_REFUSED_KEPT)
        self._next_offset: int | None = None
        """The first record not yet fully handled, where a restart resumes; None: the beginning."""
        self._end: int | None = None
        self._error: str | None = None
        self._restarts = 0

    @property
    def status(self) -> FollowerStatus:
        return FollowerStatus(
            running=self._task is not None and not self._task.done(),
            caught_up=self.caught_up.is_set(),
            applied=self._applied.version if self._applied else None,
            newest=self.state.commit.version if self.state.commit else None,
            refused=tuple(self._refused),
            unreadable=dict(self.state.unreadable),
            bad_commits=self.state.bad_commits,
            error=self._error,
            restarts=self._restarts,
        )

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="watchlist-follower")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            try:
                await self._follow()
            except Exception as error:  # whatever it is, list following must go on: logged, then retried
                self._restarts += 1
                self._error = describe_error(error)
                log.exception(
                    "watchlist follower on %s failed; version %s stays in force; resuming from %s in %.1f s",
                    self.topic,
                    self._applied.version if self._applied else "none (transfers are held)",
                    "the beginning" if self._next_offset is None else f"offset {self._next_offset}",
                    self._pause_s,
                )
            await asyncio.sleep(self._pause_s)
            self._pause_s = min(self._pause_s * 2, _MAX_PAUSE_S)

    async def _follow(self) -> None:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap, enable_auto_commit=False, max_partition_fetch_bytes=_MAX_MESSAGE
        )
        try:
            await consumer.start()
            partition = TopicPartition(self.topic, 0)
            consumer.assign([partition])
            end = await self._seek(consumer, partition)
            while True:
                batches = await consumer.getmany(partition, timeout_ms=300)
                for record in batches.get(partition, []):
                    await self._take(record.key, record.value, record.offset)
                    self._next_offset = record.offset + 1
                if self._baseline is None and await consumer.position(partition) >= end:
                    await self._catch_up()
                # Reading (again): after a failure, only once past the record or version that failed, so a
                # failure that repeats backs off instead of retrying every second.
                self._error, self._pause_s = None, self._first_pause_s
        finally:
            await consumer.stop()

    async def _seek(self, consumer: AIOKafkaConsumer, partition: TopicPartition) -> int:
        """Position at the first record not handled; returns the end of the log as it was at the first start."""
        # Seek first, before anything else awaits: a fresh assignment left without a position is reset to
        # the end of the log in the background (the client's default), and would then skip the history.
        if self._next_offset is None:
            await consumer.seek_to_beginning(partition)
        else:
            consumer.seek(partition, self._next_offset)
        if self._end is None:
            self._end = int((await consumer.end_offsets([partition]))[partition])
        return self._end

    async def _take(self, key: bytes | None, value: bytes | None, offset: int) -> None:
        commit = self.state.read(key, value, offset)
        if commit is None:
            if key == COMMIT_KEY:
                log.error("%s on %s: the records since the last commit wait for the next one",
                          self.state.last_bad_commit, self.topic)
        elif self._baseline is None:
            pass  # history: the state is built up to the end, then one version is applied (`_catch_up`)
        elif self.state.newest_complete:
            await self._apply(commit, self._baseline)
        else:
            self._refuse(commit)

    async def _apply(self, commit: WatchlistCommit, baseline: Snapshot) -> None:
        current = self.state.snapshot()
        await self.on_version(current, diff(baseline, current), commit)
        self._baseline, self._applied = current, commit

    def _refuse(self, commit: WatchlistCommit) -> None:
        self._refused.append(commit.version)
        log.error(
            "watchlist version %s on %s refused, it is incomplete: %s; version %s stays in force",
            commit.version,
            self.topic,
            describe_unreadable(self.state.unreadable),
            self._applied.version if self._applied else "none (transfers are held)",
        )

    async def _catch_up(self) -> None:
        # History is state, not news: the newest complete version is applied once without a diff (no
        # retro-screening of the past). Versions published from here on are diffed against it.
        if not self.caught_up.is_set():
            self._report_start()
            self.caught_up.set()
        start = self.state.complete
        if start is None:
            self._baseline = Snapshot.build(())
            return
        snapshot = start.snapshot()
        await self.on_version(snapshot, None, start.commit)
        self._baseline, self._applied = snapshot, start.commit

    def _report_start(self) -> None:
        newest = self.state.commit
        if newest is None or self.state.newest_complete:
            return
        self._refused.append(newest.version)
        start = self.state.complete
        fallback = (
            f"applying the last complete version {start.commit.version} instead"
            if start is not None
            else "no complete version is left on the log to fall back on, so nothing is applied"
        )
        log.error(
            "newest watchlist version %s on %s is incomplete (%s): %s",
            newest.version,
            self.topic,
            describe_unreadable(self.state.unreadable),
            fallback,
        )
