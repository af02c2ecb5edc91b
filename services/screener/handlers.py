"""Kafka edge of the screener: raw records in, decisions and dead letters out, then commit.

One batch at a time: every record of the batch is parsed and screened, every output is
handed to the producer, all sends are awaited (acks=all), and only then are the offsets
committed. A crash anywhere before the commit re-delivers the batch; decision ids are
deterministic, and a redelivered transfer whose decision was already published keeps that
decision (adapters/recall.py), so the repeat is a duplicate every consumer drops (at least once).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from faststream.kafka import KafkaBroker
from faststream.kafka.message import KafkaMessage

from schemas import Decision, TransferEvent
from schemas.common import ID_PATTERN, utc_now
from services.raw_batches import STUCK_AFTER
from services.screener.adapters import deadletters
from services.screener.adapters.graph_tail import GraphTail
from services.screener.domain.decide import Policy, invalid_transfer_hold, screen
from services.screener.domain.event_time import too_far_ahead
from services.screener.domain.order import event_order
from services.screener.domain.retro import PartyRegister
from services.screener.domain.rules import ScreeningContext

log = logging.getLogger(__name__)
_TRANSFER_ID = re.compile(ID_PATTERN)


def transfer_key(raw: bytes | None) -> str | None:
    """The transfer id of an event that failed validation, if it still has a usable one."""
    try:
        value = orjson.loads(raw or b"")
    except orjson.JSONDecodeError:
        return None
    if isinstance(value, dict):
        transfer_id = value.get("transfer_id")
        # Only an id a Decision can carry: a hold for an id with a NUL in it would itself fail
        # validation, and the batch with it would be retried forever.
        if isinstance(transfer_id, str) and _TRANSFER_ID.fullmatch(transfer_id) is not None:
            return transfer_id
    return None


SOURCE = "screener"


@dataclass
class StreamStatus:
    """What the screener's /healthz reports about its consumer."""

    batches: int = 0
    transfers: int = 0
    dead_letters: int = 0
    failures: int = 0
    consecutive_failures: int = 0
    """Failed attempts at the batch now in hand (it is re-read after each)."""
    failing_partitions: tuple[int, ...] = ()
    """The partitions of the batch that keeps failing: the ones that are stuck while it does."""
    last_error: str | None = None
    last_batch_at: datetime | None = None

    @property
    def stuck(self) -> bool:
        return self.consecutive_failures >= STUCK_AFTER


@dataclass
class BatchOutcome:
    decisions: list[Decision]
    dead_letters: int


@dataclass
class TransferHandler:
    broker: KafkaBroker
    context: ScreeningContext
    policy: Policy
    decisions_topic: str
    dlq_topic: str
    register: PartyRegister | None = None
    """Parties seen, for retro-screening when a new list version arrives."""
    recalled: dict[str, Decision] = field(default_factory=dict)
    """Decisions published before a crash for transfers that come back uncommitted (see adapters/recall.py)."""

    status: StreamStatus = field(default_factory=StreamStatus)
    _idle: asyncio.Event = field(default_factory=asyncio.Event, init=False, repr=False)
    tail: GraphTail | None = None
    """Transfers from every partition, for the graph (adapters/graph_tail.py); None: own partitions only."""

    def __post_init__(self) -> None:
        self._idle.set()

    def parse(
        self, records: Sequence[Any], now: datetime
    ) -> tuple[list[TransferEvent], list[Decision], list[tuple[Any, Exception]]]:
        """Valid transfers in event order; holds for bad events that name their transfer; the rejects."""
        transfers: list[TransferEvent] = []
        holds: list[Decision] = []
        rejected: list[tuple[Any, Exception]] = []
        for record in records:
            try:
                transfers.append(TransferEvent.model_validate_json(record.value or b""))
            except Exception as exc:  # any record that does not parse is dead-lettered, never retried
                rejected.append((record, exc))
                keyed = self._keyed_hold(record.value, exc, now)
                if keyed is not None:
                    holds.append(keyed)
        # The graph must advance in event-time order, the order the backtest uses too
        # (see backtest.event_order), so that both give the same decision for a transfer.
        transfers.sort(key=event_order)
        return transfers, holds, rejected

    def screen_all(self, transfers: Sequence[TransferEvent], now: datetime) -> list[Decision]:
        """Screen transfers given in event order, each against the graph of everything before it."""
        decisions: list[Decision] = []
        graph = self.context.graph
        for transfer in transfers:
            if self.tail is not None and graph is not None:
                # Other partitions' earlier transfers enter the graph first (own ones are repeats).
                # The tail has already left out transfers dated too far ahead (domain/event_time.py).
                for earlier in self.tail.arrivals.take_before(event_order(transfer)):
                    graph.learn(earlier, self.context.watchlist)
            decision = self.recalled.pop(transfer.transfer_id, None)
            if decision is None:
                decision = screen(transfer, self.context, self.policy, now)
            elif graph is not None and not too_far_ahead(transfer, now, self.policy.max_future_skew_s):
                # Published before a crash: the decision stands, the new graph still has to learn the transfer.
                graph.learn(transfer, self.context.watchlist)
            if self.register is not None:
                self.register.observe(transfer, decision, now)
            decisions.append(decision)
        return decisions

    def _keyed_hold(self, raw: bytes | None, error: Exception, now: datetime) -> Decision | None:
        """Fail closed: a bad event that still names its transfer gets a hold, not silence."""
        transfer_id = transfer_key(raw)
        if transfer_id is None:
            return None
        return invalid_transfer_hold(transfer_id, deadletters.describe(error), self.context, self.policy, now)

    async def handle(self, records: Sequence[Any], message: KafkaMessage) -> BatchOutcome:
        self._idle.clear()
        status = self.status
        try:
            outcome = await self._handle(records, message)
        except Exception as exc:
            status.failures += 1
            status.consecutive_failures += 1
            status.failing_partitions = tuple(sorted({record.partition for record in records}))
            status.last_error = f"{type(exc).__name__}: {exc}"[:500]
            raise
        finally:
            self._idle.set()
        status.batches += 1
        status.transfers += len(records) - outcome.dead_letters
        status.dead_letters += outcome.dead_letters
        status.consecutive_failures, status.failing_partitions, status.last_error = 0, (), None
        status.last_batch_at = utc_now()
        return outcome

    async def wait_idle(self, timeout_s: float) -> bool:
        """Wait until no batch is between screening and commit (False if `timeout_s` ran out first).

        Called when partitions are revoked: the batch in flight finishes publishing and commits
        while this replica still owns its partitions, so the next owner finds it committed rather
        than half-published and screens nothing twice.
        """
        try:
            await asyncio.wait_for(self._idle.wait(), timeout_s)
        except TimeoutError:
            return False
        return True

    async def _handle(self, records: Sequence[Any], message: KafkaMessage) -> BatchOutcome:
        try:
            now = utc_now()
            transfers, decisions, rejected = self.parse(records, now)
            if self.tail is not None and transfers:
                await self.tail.catch_up(transfers[-1].occurred_at, own={record.partition for record in records})
            decisions += self.screen_all(transfers, now)
            sends = [
                await self.broker.publish(
                    d.model_dump_json().encode(),
                    topic=self.decisions_topic,
                    key=d.transfer_id.encode(),
                    headers={"content-type": "application/json"},
                    no_confirm=True,
                )
                for d in decisions
            ]
            for record, error in rejected:
                letter = deadletters.from_record(record, error, SOURCE)
                log.warning(
                    "dead-lettered %s[%s]@%s: %s",
                    record.topic,
                    record.partition,
                    record.offset,
                    letter.reason,
                )
                sends.append(
                    await self.broker.publish(
                        letter.model_dump_json().encode(),
                        topic=self.dlq_topic,
                        key=record.key,
                        headers={"content-type": "application/json"},
                        no_confirm=True,
                    )
                )
            await asyncio.gather(*sends)
        except BaseException:
            # Rewind so the batch is re-read: committing past it would lose transfers.
            await message.nack()
            raise
        await message.ack()
        return BatchOutcome(decisions, len(rejected))
