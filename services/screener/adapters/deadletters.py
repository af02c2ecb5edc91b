"""Build dead-letter records for consumed Kafka records the screener cannot parse."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from schemas import DeadLetter
from schemas.common import utc_now


def describe(error: Exception) -> str:
    """A reason that names the bad field(s), short enough to read in a dashboard."""
    if isinstance(error, ValidationError):
        parts = []
        for item in error.errors(include_url=False)[:5]:
            where = ".".join(str(p) for p in item["loc"]) or "(message)"
            parts.append(f"{where}: {item['msg']}")
        return "invalid transfer: " + "; ".join(parts)
    return f"{type(error).__name__}: {error}"


def from_record(record: Any, error: Exception, source: str) -> DeadLetter:
    """`record` is an aiokafka ConsumerRecord (typed loosely: aiokafka ships no stubs)."""
    return DeadLetter(
        reason=describe(error),
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        key_b64=DeadLetter.encode(record.key) if record.key is not None else None,
        original_b64=DeadLetter.encode(record.value),
        source=source,
        dead_lettered_at=utc_now(),
    )
