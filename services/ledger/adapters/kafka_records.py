"""Turns a batch of raw Kafka records into transfers and decisions, skipping what won't parse.

The records arrive undecoded: if FastStream decoded them, one malformed record would fail
the whole batch, and a batch that always fails is a consumer that never moves again. An
unparsable record is logged with its coordinates and skipped; the screener owns dead
letters for transfers, and the ledger must never settle on data it could not read.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from pydantic import ValidationError

from schemas import Decision, TransferEvent

log = logging.getLogger(__name__)

_MAX_REASON = 300


class RawRecord(Protocol):
    """The parts of an aiokafka ConsumerRecord the ledger reads."""

    @property
    def topic(self) -> str: ...
    @property
    def partition(self) -> int: ...
    @property
    def offset(self) -> int: ...
    @property
    def value(self) -> bytes | None: ...


@dataclass
class ParsedBatch:
    transfers: list[TransferEvent] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    skipped: int = 0


def parse_records(records: Iterable[RawRecord], *, transfers_topic: str, decisions_topic: str) -> ParsedBatch:
    batch = ParsedBatch()
    for record in records:
        try:
            if record.topic == transfers_topic:
                batch.transfers.append(TransferEvent.model_validate_json(record.value or b""))
            elif record.topic == decisions_topic:
                batch.decisions.append(Decision.model_validate_json(record.value or b""))
            else:
                raise ValueError(f"unexpected topic {record.topic!r}")
        except Exception as exc:  # any record that cannot be read is skipped: retrying it would never end
            batch.skipped += 1
            log.warning(
                "skipped unparsable record %s[%d]@%d: %s",
                record.topic,
                record.partition,
                record.offset,
                _reason(exc),
            )
    return batch


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors(include_url=False)[:3]
        text = "; ".join(f"{'.'.join(map(str, e['loc'])) or '<root>'}: {e['msg']}" for e in first)
        more = exc.error_count() - len(first)
        reason = f"{text} (+{more} more)" if more > 0 else text
    else:
        reason = str(exc)
    return reason[:_MAX_REASON]
