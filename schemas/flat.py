"""The flat column form of `TransferEvent` used by CSV, Parquet and NDJSON files.

Party fields become `<role>_<field>` columns (`originator_account`, `beneficiary_wallet`, …).
Every value may arrive as text; pydantic does the typing, so file and API input share one
set of validation rules and one set of error messages.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Final

import orjson
import polars as pl

from schemas.transfer import TransferEvent

REQUIRED: Final = (
    "transfer_id",
    "occurred_at",
    "originator_account",
    "beneficiary_account",
    "amount",
    "asset",
)
TOP_LEVEL: Final = (
    "transfer_id",
    "occurred_at",
    "exchange_id",
    "asset",
    "chain",
    "amount",
    "fiat_value",
    "fiat_currency",
)
# flat suffix -> Party field
PARTY_FIELDS: Final = {
    "account": "account_id",
    "wallet": "wallet_address",
    "name": "name",
    "country": "country",
    "id_number": "id_number",
    "id_type": "id_type",
    "dob": "date_of_birth",
    "vasp": "vasp_id",
    "hosted": "hosted",
}
ROLES: Final = ("originator", "beneficiary")
COLUMNS: Final = TOP_LEVEL + tuple(f"{role}_{suffix}" for role in ROLES for suffix in PARTY_FIELDS)


class FlatFormatError(ValueError):
    """Columns that do not belong to the flat form, or required ones that are missing."""


def check_columns(columns: list[str] | tuple[str, ...]) -> None:
    unknown = [c for c in columns if c not in COLUMNS]
    missing = [c for c in REQUIRED if c not in columns]
    problems = []
    if missing:
        problems.append("missing required column(s): " + ", ".join(missing))
    if unknown:
        problems.append("unknown column(s): " + ", ".join(unknown) + " (see README, 'File format')")
    if problems:
        raise FlatFormatError("; ".join(problems))


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def to_event(row: Mapping[str, Any], defaults: Mapping[str, str] | None = None) -> TransferEvent:
    """Validate one flat row; blank cells are absent values. Raises pydantic.ValidationError."""
    data: dict[str, Any] = dict(defaults or {})
    data.update({k: row[k] for k in TOP_LEVEL if k in row and not _blank(row[k])})
    for role in ROLES:
        party = {
            field: row[f"{role}_{suffix}"]
            for suffix, field in PARTY_FIELDS.items()
            if not _blank(row.get(f"{role}_{suffix}"))
        }
        data[role] = party
    return TransferEvent.model_validate(data)


def from_event(event: TransferEvent) -> dict[str, str | None]:
    """The flat row of an event, every value as text (or None), for writing files."""
    dumped = event.model_dump(mode="json")
    row: dict[str, str | None] = {k: _text(dumped[k]) for k in TOP_LEVEL}
    for role in ROLES:
        for suffix, field in PARTY_FIELDS.items():
            row[f"{role}_{suffix}"] = _text(dumped[role][field])
    return row


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


_FIELD_TO_SUFFIX: Final = {field: suffix for suffix, field in PARTY_FIELDS.items()}


def column_of(loc: tuple[int | str, ...]) -> str:
    """The flat column a pydantic error location refers to (`('originator','account_id')` → column)."""
    if len(loc) >= 2 and loc[0] in ROLES and loc[1] in _FIELD_TO_SUFFIX:
        return f"{loc[0]}_{_FIELD_TO_SUFFIX[str(loc[1])]}"
    return ".".join(str(part) for part in loc) or "(row)"


def csv_lines(frame: pl.DataFrame) -> list[int]:
    """The physical line each row of a CSV file read as text starts on (the header is line 1). A quoted
    cell may hold line breaks, so the breaks in earlier rows are counted (one pass over the frame)."""
    if frame.height == 0:
        return []
    breaks = frame.select(pl.sum_horizontal(pl.all().str.count_matches("\n").fill_null(0))).to_series()
    before = breaks.cum_sum().shift(1, fill_value=0).to_list()
    return [row + 2 + earlier for row, earlier in enumerate(before)]


def json_lines(lines: Iterable[bytes]) -> Iterator[tuple[int, bytes, dict[str, Any] | str]]:
    """NDJSON: (line number, raw line, its object or what is wrong with it) for every non-blank line."""
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            yield number, raw, f"invalid JSON: {exc}"
            continue
        if not isinstance(value, dict):
            yield number, raw, f"a line must be a JSON object, not {type(value).__name__}"
            continue
        yield number, raw, value
