"""Kafka edge of the ledger: one consumer group member reading transfers and decisions.

Each batch (up to `batch_max_records`, from both topics) is parsed and applied in ONE
database transaction; the offsets are committed only after that transaction committed.
`AckPolicy.NACK_ON_ERROR` is what gives that order in FastStream 0.7.8: success acks
(`consumer.commit()` of the batch's positions) after the handler returned, and an exception
nacks (seeks every partition back to the batch's first record) so the batch is read again.
`AckPolicy.ACK` would be wrong here: it commits even when the handler raised, losing the
batch. A crash between DB commit and offset commit re-delivers the batch, which the ledger
absorbs: transfer and decision ids are unique in the database.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from faststream.kafka import KafkaBroker
from sqlalchemy.exc import DataError, DBAPIError

from schemas import Decision, TransferEvent
from services.ledger.adapters.kafka_records import ParsedBatch, RawRecord, parse_records
from services.ledger.ledger import Ledger
from services.ledger.settings import LedgerSettings
from services.raw_batches import BatchHealth, raw_batch_broker

log = logging.getLogger(__name__)


@dataclass
class ConsumerStatus(BatchHealth):
    """What /healthz reports about the consumer."""

    records: int = 0


class BatchHandler:
    def __init__(self, ledger: Ledger, settings: LedgerSettings, status: ConsumerStatus) -> None:
        self._ledger = ledger
        self._settings = settings
        self.status = status

    async def __call__(self, records: tuple[RawRecord, ...]) -> None:
        parsed = parse_records(
            records,
            transfers_topic=self._settings.transfers_topic,
            decisions_topic=self._settings.decisions_topic,
        )
        await self.apply(parsed, len(records))

    async def apply(self, parsed: ParsedBatch, records: int) -> None:
        """Apply a parsed batch; raises (so the batch is read again) only for what a retry may cure."""
        if not (parsed.transfers or parsed.decisions):
            self._count(records, parsed.skipped)
            return
        try:
            try:
                await self._ledger.apply(parsed.transfers, parsed.decisions)
            except DBAPIError as exc:
                if not _refused_value(exc):
                    raise
                # The database refused a value (not an outage: that raises other errors and is retried).
                # Retrying the batch would fail forever, so its records are applied one by one and
                # the ones refused are set aside, in the order a batch applies them.
                parsed.skipped += await self._apply_one_by_one(parsed.transfers, parsed.decisions)
        except Exception as exc:
            self.status.failed(exc)
            # Pause before FastStream rewinds the batch: a database that is down would
            # otherwise be hammered with the same batch in a tight loop.
            await asyncio.sleep(self._settings.retry_backoff_seconds)
            raise
        self._count(records, parsed.skipped)
        log.debug("batch of %d applied", records)

    async def _apply_one_by_one(self, transfers: list[TransferEvent], decisions: list[Decision]) -> int:
        refused = 0
        for transfer in transfers:
            refused += await self._apply_alone(transfer.transfer_id, [transfer], [])
        for decision in decisions:
            refused += await self._apply_alone(decision.transfer_id, [], [decision])
        return refused

    async def _apply_alone(self, transfer_id: str, transfers: list[TransferEvent], decisions: list[Decision]) -> int:
        try:
            await self._ledger.apply(transfers, decisions)
        except DBAPIError as exc:
            if not _refused_value(exc):
                raise
            kind = "transfer" if transfers else "decision"
            log.error("set aside a %s of %r the database refuses: %s", kind, transfer_id, str(exc.orig)[:300])
            return 1
        return 0

    def _count(self, records: int, skipped: int) -> None:
        self.status.records += records
        self.status.succeeded(skipped)


def _refused_value(exc: DBAPIError) -> bool:
    """Whether the database refused a value (SQLSTATE class 22, data exception: e.g. a NUL in text), which
    no retry can cure, as opposed to an outage or a lock, which a retry may."""
    if isinstance(exc, DataError):
        return True
    state = getattr(exc.orig, "sqlstate", None)
    return isinstance(state, str) and state.startswith("22")


def build_broker(settings: LedgerSettings, handler: BatchHandler) -> KafkaBroker:
    return raw_batch_broker(
        settings.kafka_bootstrap_servers,
        (settings.transfers_topic, settings.decisions_topic),
        settings.kafka_group_id,
        handler,
        logger_name="services.ledger.kafka",
        max_records=settings.batch_max_records,
        batch_timeout_ms=settings.batch_timeout_ms,
        session_timeout_ms=settings.kafka_session_timeout_ms,
        heartbeat_interval_ms=settings.kafka_heartbeat_interval_ms,
    )
