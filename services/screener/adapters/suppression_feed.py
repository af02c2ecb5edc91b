"""Keeps a running screener on the suppressions in force: follows the compacted `aml.suppressions.v1`.

The topic is the set of suppressions (one partition, keyed by suppression id, a tombstone revokes), so
the follower reads it from the beginning into memory and, once it has read what was there at start,
swaps a new immutable `Suppressions` index into the handler's context whenever a record changes it.
A batch is screened synchronously, so it always sees one whole index, as with the watchlist feed.

Robustness, as in the watchlist changelog follower (services/watchlists/adapters/changelog.py):

- A record that cannot be read (a key that is not UTF-8, a value that is not a `Suppression`, or one
  whose id is not its key) is logged at ERROR with its offset and the problem, and its key's suppression
  is dropped: what the publisher meant is unknown, and the safe side of a suppression is not to
  suppress. A later good record or a tombstone for the key clears it. Reading never raises on a record.
- Anything else (the broker away, the topic deleted) is logged with its traceback and the follower
  starts over from the beginning after a pause that doubles up to 30 s; the index in force stays until
  the re-read has caught up, so a restart never leaves a moment with none.
- A topic that does not exist yet is not created (a consumer would make it uncompacted, and compaction
  is what keeps a suppression for good): nothing is suppressed, a warning says so once, and the
  follower looks again every few seconds.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict, dataclass, field, replace
from typing import Protocol

from aiokafka import AIOKafkaConsumer, TopicPartition

from schemas.suppression import Suppression
from services.broker.topics import partitions_of
from services.screener.domain.rules import ScreeningContext
from services.screener.domain.suppressions import Suppressions
from services.watchlists.adapters.changelog import describe_error

log = logging.getLogger(__name__)

_MAX_PAUSE_S = 30.0
_SHOWN = 300


class HasContext(Protocol):
    context: ScreeningContext


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())[:_SHOWN]


@dataclass
class SuppressionState:
    """The suppressions read so far, by key, and the keys whose newest record could not be read."""

    suppressions: dict[str, Suppression] = field(default_factory=dict)
    unreadable: dict[str, str] = field(default_factory=dict)
    """Key → `offset N: problem`, for the log and the status."""

    def read(self, key: bytes | None, value: bytes | None, offset: int) -> bool:
        """Take one record; True when the set of suppressions in force changed. Never raises."""
        name = (key or b"").decode(errors="backslashreplace")
        if not key:
            self.unreadable[name] = f"offset {offset}: a record without a key"
            return False
        try:
            key.decode()
        except UnicodeDecodeError:
            return self._refuse(name, f"offset {offset}: key is not valid UTF-8")
        if value is None:
            self.unreadable.pop(name, None)
            return self.suppressions.pop(name, None) is not None
        try:
            suppression = Suppression.model_validate_json(value)
        except Exception as error:  # whatever is wrong with it, the next record is read
            return self._refuse(name, f"offset {offset}: not a suppression: {_one_line(error)}")
        if str(suppression.suppression_id) != name:
            return self._refuse(name, f"offset {offset}: the record holds suppression {suppression.suppression_id}")
        self.unreadable.pop(name, None)
        changed = self.suppressions.get(name) != suppression
        self.suppressions[name] = suppression
        return changed

    def _refuse(self, name: str, reason: str) -> bool:
        self.unreadable[name] = reason
        return self.suppressions.pop(name, None) is not None

    def index(self) -> Suppressions:
        return Suppressions.build(self.suppressions.values())


@dataclass(frozen=True)
class SuppressionStatus:
    """Where the follower stands, for health reporting."""

    running: bool
    caught_up: bool
    topic_exists: bool
    in_force: int
    unreadable: dict[str, str]
    error: str | None
    restarts: int

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


class SuppressionFeed:
    """Follows the suppressions topic and swaps each new index into `handler.context`."""

    def __init__(
        self, bootstrap: str, topic: str, handler: HasContext, retry_pause_s: float = 1.0, probe_s: float = 5.0
    ) -> None:
        self.bootstrap = bootstrap
        self.topic = topic
        self.handler = handler
        self.probe_s = probe_s
        self.caught_up = asyncio.Event()
        """Set once the topic as it was at start has been read (or found not to exist)."""
        self._first_pause_s = retry_pause_s
        self._pause_s = retry_pause_s
        self._task: asyncio.Task[None] | None = None
        self._state = SuppressionState()
        self._topic_exists = False
        self._missing_logged = False
        self._error: str | None = None
        self._restarts = 0

    @property
    def status(self) -> SuppressionStatus:
        return SuppressionStatus(
            running=self._task is not None and not self._task.done(),
            caught_up=self.caught_up.is_set(),
            topic_exists=self._topic_exists,
            in_force=len(self.handler.context.suppressions),
            unreadable=dict(self._state.unreadable),
            error=self._error,
            restarts=self._restarts,
        )

    async def start(self, wait_s: float) -> None:
        """Start following; wait (at most `wait_s`) until the suppressions already recorded are in force."""
        self._task = asyncio.create_task(self._run(), name="suppression-follower")
        try:
            await asyncio.wait_for(self.caught_up.wait(), wait_s)
        except TimeoutError:
            log.error(
                "suppressions on %s not read within %.0f s%s; name hits are raised until they are",
                self.topic,
                wait_s,
                f" (last error: {self._error})" if self._error else "",
            )

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            try:
                found = await self._follow()
            except Exception as error:  # whatever it is, following must go on: logged, then retried
                self._restarts += 1
                self._error = describe_error(error)
                log.exception(
                    "suppression follower on %s failed; %d suppressions stay in force; reading again in %.1f s",
                    self.topic,
                    len(self.handler.context.suppressions),
                    self._pause_s,
                )
                await asyncio.sleep(self._pause_s)
                self._pause_s = min(self._pause_s * 2, _MAX_PAUSE_S)
                continue
            if not found:
                await asyncio.sleep(self.probe_s)

    async def _follow(self) -> bool:
        """Read the topic from the beginning and then follow it; False at once when it does not exist."""
        if not await partitions_of(self.bootstrap, self.topic):
            self._topic_exists = False
            if not self._missing_logged:
                log.warning(
                    "suppressions topic %s does not exist: no suppression is honoured until it does", self.topic
                )
                self._missing_logged = True
            self.caught_up.set()  # nothing to wait for: screening goes on, every name hit is raised
            return False
        self._topic_exists, self._missing_logged = True, False
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
        )
        try:
            await consumer.start()
            partition = TopicPartition(self.topic, 0)
            consumer.assign([partition])
            # Seek before anything else awaits, or the fresh assignment may be reset in the background.
            await consumer.seek_to_beginning(partition)
            end = int((await consumer.end_offsets([partition]))[partition])
            state = SuppressionState()  # from scratch: the index in force stays until this one has caught up
            caught = False
            while True:
                batches = await consumer.getmany(partition, timeout_ms=300)
                changed: list[tuple[str, bool]] = []
                for record in batches.get(partition, []):
                    if state.read(record.key, record.value, record.offset):
                        name = (record.key or b"").decode(errors="backslashreplace")
                        changed.append((name, name in state.suppressions))
                    self._report_unreadable(state, record.key, record.offset)
                if not caught and await consumer.position(partition) >= end:
                    caught = True
                    self._state = state
                    self._swap(state)
                    log.info(
                        "suppressions from %s: %d in force%s",
                        self.topic,
                        len(state.suppressions),
                        f", {len(state.unreadable)} unreadable" if state.unreadable else "",
                    )
                    self.caught_up.set()
                elif caught and changed:
                    self._swap(state)
                    for name, present in changed:
                        log.info(
                            "suppression %s %s on %s: %d in force",
                            name,
                            "recorded" if present else "revoked",
                            self.topic,
                            len(state.suppressions),
                        )
                # Reading (again): a failure that repeats backs off, one that went away resets the pause.
                self._error, self._pause_s = None, self._first_pause_s
        finally:
            await consumer.stop()

    def _report_unreadable(self, state: SuppressionState, key: bytes | None, offset: int) -> None:
        name = (key or b"").decode(errors="backslashreplace")
        reason = state.unreadable.get(name)
        if reason is not None and reason.startswith(f"offset {offset}:"):
            log.error(
                "unreadable suppression record %s on %s (%s): it is not honoured",
                name or "(no key)",
                self.topic,
                reason,
            )

    def _swap(self, state: SuppressionState) -> None:
        # Between batches: the event loop runs no batch while this assignment happens.
        self.handler.context = replace(self.handler.context, suppressions=state.index())
