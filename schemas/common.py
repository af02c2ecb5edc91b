"""Building blocks shared by every message model: strict config, UTC times, money, ids and text.

The contract refuses what it cannot carry safely, so that no consumer downstream has to: a value
that passes these types can be stored in PostgreSQL, compared, sorted by time and shown to an
officer as it was sent. In particular:

- times are ISO 8601 text with a zone between `EARLIEST` and `LATEST` (no integer epochs: 1700000000
  is seconds to one producer and milliseconds to the next), so no UTC conversion can overflow;
- amounts are plain decimal text (`"1250.50"`) or JSON integers: no padding, no `_`, no
  exponent, no digits of other scripts, and no JSON fractions, which parsers read as binary floats
  (`1.000000000000000001` arrives as 1);
- ids are printable ASCII, and free text (names, identity numbers) carries no control or format
  characters: a NUL stalls PostgreSQL, and bidi overrides and zero-width characters make a name
  read differently from what is matched.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, WithJsonSchema

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
"""No transfer, decision or list record of this system can be older (tokenized assets are younger)."""
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
"""Nor later: anything past it is a typo or a probe, and far from what `datetime` can convert."""
EARLIEST_BIRTH = date(1900, 1, 1)

_INSTANT_JSON = {
    "type": "string",
    "format": "date-time",
    "description": f"ISO 8601 with a zone (Z or ±hh:mm), from {EARLIEST:%Y-%m-%d} to before {LATEST:%Y-%m-%d} UTC.",
}


def _instant_text(value: Any) -> Any:
    # Text (or a datetime built in Python); never a number, whose unit nobody can know.
    if isinstance(value, str | datetime):
        return value
    raise ValueError("timestamp must be ISO 8601 text with a timezone (e.g. 2026-01-31T12:00:00Z)")


def _require_utc(value: datetime) -> datetime:
    # A naive timestamp is ambiguous across exchanges in different zones; refusing it is
    # safer than guessing, and normalising aware ones to UTC keeps comparisons trivial.
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("timestamp must carry a timezone (e.g. 2026-01-31T12:00:00Z)")
    try:
        utc = value.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+05:00 has no UTC value a datetime can hold
        utc = None
    if utc is None or not EARLIEST <= utc < LATEST:
        raise ValueError(f"timestamp must be from {EARLIEST:%Y-%m-%d} to before {LATEST:%Y-%m-%d} UTC")
    return utc


UtcDatetime = Annotated[
    datetime, BeforeValidator(_instant_text), AfterValidator(_require_utc), WithJsonSchema(_INSTANT_JSON)
]
"""A timezone-aware datetime in the supported range, normalised to UTC."""


def _day_text(value: Any) -> Any:
    if isinstance(value, str | date):
        return value
    raise ValueError("date must be ISO 8601 text (e.g. 1980-07-14)")


def _plausible_birth(value: date) -> date:
    if not EARLIEST_BIRTH <= value < LATEST.date():
        raise ValueError(f"date must be from {EARLIEST_BIRTH} to before {LATEST:%Y-%m-%d}")
    return value


BirthDate = Annotated[
    date,
    BeforeValidator(_day_text),
    AfterValidator(_plausible_birth),
    WithJsonSchema({"type": "string", "format": "date", "description": "ISO 8601 date, from 1900-01-01."}),
]


def _plain_decimal(value: Decimal) -> str:
    # Fixed-point text: "1E-18" is valid JSON-as-string but trips up consumers in other languages.
    return format(value, "f")


AMOUNT_PATTERN = r"^[0-9]{1,20}(\.[0-9]{1,18})?$"
"""An amount as text: ASCII digits, at most 20 before the point and 18 after it."""
# A sign is let through here only so that "-5" is refused as "greater than 0", which says what is wrong.
_AMOUNT = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def _amount_text(value: Any) -> Any:
    if isinstance(value, str):
        if _AMOUNT.fullmatch(value) is None:
            raise ValueError('amount must be plain decimal text of ASCII digits, e.g. "1250.50"')
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, Decimal):
        return value
    # A JSON fraction has already been rounded to a binary float by the parser: refuse, never guess.
    raise ValueError('amount must be decimal text (e.g. "1250.50") or a whole number, not a JSON fraction')


PositiveAmount = Annotated[
    Decimal,
    BeforeValidator(_amount_text),
    Field(gt=0, max_digits=38, decimal_places=18),
    PlainSerializer(_plain_decimal, return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": AMOUNT_PATTERN},
                {"type": "integer", "exclusiveMinimum": 0},
            ],
            "description": "A positive amount: decimal text (at most 18 places) or a whole JSON number.",
        }
    ),
]
"""A strictly positive decimal amount (never a float: money must not round)."""

ID_PATTERN = r"^[!-~]([ -~]{0,126}[!-~])?$"
"""Printable ASCII without surrounding spaces, at most 128 characters."""

_ID = re.compile(ID_PATTERN)


def _ascii_id(value: str) -> str:
    if _ID.fullmatch(value) is None:
        odd = next((f" (U+{ord(c):04X} at position {i})" for i, c in enumerate(value) if not " " <= c <= "~"), "")
        raise ValueError(f"id must be printable ASCII without leading or trailing spaces{odd}")
    return value


def _id_json(max_length: int) -> dict[str, Any]:
    return {"type": "string", "minLength": 1, "maxLength": max_length, "pattern": ID_PATTERN}


Identifier = Annotated[
    str, Field(min_length=1, max_length=128), AfterValidator(_ascii_id), WithJsonSchema(_id_json(128))
]
"""A non-empty id of printable ASCII without leading or trailing spaces (no control or format characters)."""

# Control (Cc), format (Cf), surrogate (Cs) and line/paragraph separator (Zl, Zp) characters, as of
# Unicode 14 (Python 3.11's unicodedata). ZERO WIDTH NON-JOINER and JOINER (U+200C, U+200D) are
# allowed: Persian, Urdu and Indic names are spelt with them, and name normalisation folds them.
# The pattern (for the JSON Schema) holds the BMP ones; `_plain_text` checks every plane.
_FORBIDDEN_BMP = (
    r"\u0000-\u001f\u007f-\u009f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e\u200b"
    r"\u200e-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ud800-\udfff\ufeff\ufff9-\ufffb"
)
TEXT_PATTERN = rf"^[^{_FORBIDDEN_BMP}]*$"
"""Text without control, format or separator characters (astral format characters are refused too)."""
_ALLOWED_FORMAT = frozenset("\u200c\u200d")
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def _plain_text(value: str) -> str:
    for position, char in enumerate(value):
        if unicodedata.category(char) in _FORBIDDEN_CATEGORIES and char not in _ALLOWED_FORMAT:
            raise ValueError(
                f"text must not contain control or format characters (U+{ord(char):04X} at position {position})"
            )
    return value


def _text(max_length: int) -> dict[str, Any]:
    return {"type": "string", "minLength": 1, "maxLength": max_length, "pattern": TEXT_PATTERN}


PersonName = Annotated[
    str, Field(min_length=1, max_length=300), AfterValidator(_plain_text), WithJsonSchema(_text(300))
]
"""A party's name in any script, up to 300 characters, without control or format characters."""
DocumentNumber = Annotated[
    str, Field(min_length=1, max_length=64), AfterValidator(_plain_text), WithJsonSchema(_text(64))
]
"""An identity document number as written on the document, without control or format characters."""
Code = Annotated[str, Field(min_length=1, max_length=32), AfterValidator(_ascii_id), WithJsonSchema(_id_json(32))]
"""A short printable-ASCII code such as an asset symbol or a chain name."""
WalletAddress = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[!-~]{1,128}$")]
"""An on-chain address: printable ASCII without spaces (every chain's encoding is ASCII)."""


class Contract(BaseModel):
    """Base of every wire model: immutable, unknown fields rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=False)


def utc_now() -> datetime:
    return datetime.now(UTC)
