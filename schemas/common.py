"""Building blocks shared by every message model: strict config, UTC times, money."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer


def _require_utc(value: datetime) -> datetime:
    # A naive timestamp is ambiguous across exchanges in different zones; refusing it is
    # safer than guessing, and normalising aware ones to UTC keeps comparisons trivial.
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("timestamp must carry a timezone (e.g. 2026-01-31T12:00:00Z)")
    return value.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_require_utc)]
"""A timezone-aware datetime, normalised to UTC."""


def _plain_decimal(value: Decimal) -> str:
    # Fixed-point text: "1E-18" is valid JSON-as-string but trips up consumers in other languages.
    return format(value, "f")


PositiveAmount = Annotated[
    Decimal,
    Field(gt=0, max_digits=38, decimal_places=18),
    PlainSerializer(_plain_decimal, return_type=str, when_used="json"),
]
"""A strictly positive decimal amount (never a float: money must not round)."""

Identifier = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^\S(.*\S)?$")]
"""A non-empty id without leading or trailing whitespace."""


class Contract(BaseModel):
    """Base of every wire model: immutable, unknown fields rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=False)


def utc_now() -> datetime:
    return datetime.now(UTC)
