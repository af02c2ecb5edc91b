"""Flat files of transfers (CSV, Parquet, NDJSON): read, validated in bulk, and located.

`parse_frame` gives exactly what validating row by row with `schemas.flat.to_event` gives
(`parse_rows`), at a fraction of the cost; `where` says where a row is in the file, as an
editor shows it.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import polars as pl
from pydantic import ValidationError

from schemas import Party, TransferEvent
from schemas.common import EARLIEST, EARLIEST_BIRTH, LATEST
from schemas.flat import (
    COLUMNS,
    PARTY_FIELDS,
    REQUIRED,
    ROLES,
    FlatFormatError,
    check_columns,
    column_of,
    csv_lines,
    json_lines,
    to_event,
)
from schemas.transfer import IdType
from services.screener.domain.construct import built

DEFAULTS = {"exchange_id": "backtest", "chain": "unspecified"}


@dataclass(frozen=True, slots=True)
class BadRow:
    """A row that failed validation: where it is, the transfer it names (if any) and what is wrong."""

    row: int
    """0-based position among the file's data rows (the header not counted)."""
    transfer_id: str | None
    problem: str


LINE = "_line"
"""NDJSON only: the file line each row came from (blank lines are skipped, so rows and lines differ)."""


def read_frame(path: Path) -> pl.DataFrame:
    """The file as text columns of the flat form, checked; `FlatFormatError` names the file and what
    is wrong with it (unreadable, a line that is not a JSON object, missing or unknown columns)."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            frame = pl.read_parquet(path).with_columns(pl.all().cast(pl.String))
        elif suffix in (".ndjson", ".jsonl"):
            frame = _read_ndjson(path)
        else:
            frame = pl.read_csv(path, infer_schema=False)
    except (pl.exceptions.PolarsError, OSError) as exc:
        kind = {".parquet": "Parquet", ".ndjson": "NDJSON", ".jsonl": "NDJSON"}.get(suffix, "CSV")
        raise FlatFormatError(f"{path}: cannot read as {kind}: {str(exc).splitlines()[0]}") from exc
    try:
        check_columns([c for c in frame.columns if c != LINE])
    except FlatFormatError as exc:
        raise FlatFormatError(f"{path}: {exc}") from exc
    return frame


def _read_ndjson(path: Path) -> pl.DataFrame:
    """One JSON object a line, in the flat form or nested as `TransferEvent` (the Kafka message):
    nested parties become `<role>_<suffix>` columns, every value text, as in a CSV."""
    rows: list[dict[str, str | None]] = []
    lines: list[int] = []
    with path.open("rb") as handle:
        for number, _, value in json_lines(handle):
            if isinstance(value, str):
                raise FlatFormatError(f"{path}: line {number}: {value}")
            rows.append(_flat(value))
            lines.append(number)
    columns = sorted({c for row in rows for c in row}, key=lambda c: (c not in COLUMNS, c))
    frame = pl.DataFrame(
        [[row.get(c) for row in rows] for c in columns], schema=dict.fromkeys(columns, pl.String), orient="col"
    )
    return frame.with_columns(pl.Series(LINE, lines, dtype=pl.Int64))


_SUFFIX = {field: suffix for suffix, field in PARTY_FIELDS.items()}


def _flat(value: dict[str, Any]) -> dict[str, str | None]:
    flat: dict[str, str | None] = {}
    for key, item in value.items():
        if key == "schema_version" and item == 1:
            continue  # the only version; the flat form has no column for it
        if key in ROLES and isinstance(item, dict):
            for field, inner in item.items():
                flat[f"{key}_{_SUFFIX.get(field, field)}"] = _text(inner)
        else:
            flat[key] = _text(item)
    return flat


def _text(value: Any) -> str | None:
    """A JSON value as a CSV would carry it."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return orjson.dumps(value).decode()
    return str(value)


def parse_rows(rows: Iterable[dict[str, Any]], first: int = 0) -> tuple[list[TransferEvent], list[BadRow]]:
    """Valid events, and every row that failed validation (numbered from `first`)."""
    events: list[TransferEvent] = []
    bad: list[BadRow] = []
    for number, row in enumerate(rows, first):
        try:
            events.append(to_event(row, DEFAULTS))
        except ValidationError as exc:
            problem = "; ".join(f"{column_of(tuple(e['loc']))}: {e['msg']}" for e in exc.errors(include_url=False))
            transfer_id = row.get("transfer_id")
            named = transfer_id if isinstance(transfer_id, str) and transfer_id.strip() else None
            bad.append(BadRow(number, named, problem))
    return events, bad


# Bulk parsing. `to_event` validates one row at a time with pydantic, which costs more than
# screening the transfer. Most rows of a real file are plain: every cell is blank or in a shape
# that pydantic certainly accepts, and converts to a value that is easy to compute. Polars
# checks those shapes for the whole frame at once, and those rows become models directly,
# holding exactly the values (and fields set) validation would give them. Every other row,
# including every row that would fail, still goes through `to_event`, so bad rows are reported
# exactly as before. tests/screener/test_backtest_parse.py compares both paths row by row.

_BLANK = r"^[\s\x1c-\x1f]*$"
"""A cell `flat._blank` treats as absent: Python's `str.strip()` removes Unicode White_Space and \\x1c-\\x1f."""
_IDENTIFIER = r"^[!-~]([ -~]{0,126}[!-~])?$"
"""Printable ASCII without surrounding spaces, at most 128 characters: always a valid `Identifier`."""
_INSTANT = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
)
"""ISO 8601 with an offset; a space for the T too, as database exports write it (both parsers accept it)."""
_DAY = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_UNUSUAL = r"[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]"
_AMOUNT = r"^[0-9]{1,20}(\.[0-9]{1,18})?$"
"""At most 38 digits, 18 after the point (a non-zero digit is checked too): a valid `PositiveAmount`."""


def _plain(kind: str, column: pl.Expr) -> pl.Expr:
    """Whether a non-blank cell has a shape validation accepts whatever else the row holds."""
    if kind == "id":
        return column.str.contains(_IDENTIFIER)
    if kind.startswith("text"):  # text up to a length; non-blank is checked by the caller
        # Any control, format or separator character sends the row to validation, which decides.
        return (column.str.len_chars() <= int(kind.removeprefix("text"))) & ~column.str.contains(_UNUSUAL)
    if kind == "code":
        return column.str.contains(_IDENTIFIER) & (column.str.len_chars() <= 32)
    if kind == "wallet":
        return column.str.contains(r"^[!-~]{1,128}$")
    if kind == "instant":
        return column.str.contains(_INSTANT)
    if kind == "amount":
        return column.str.contains(_AMOUNT) & column.str.contains("[1-9]")
    if kind == "currency":
        return column.str.contains(r"^[A-Z]{3}$")
    if kind == "country":
        return column.str.contains(r"^[A-Z]{2}$")
    if kind == "id_type":
        return column.is_in([t.value for t in IdType])
    if kind == "day":
        return column.str.contains(_DAY)
    if kind == "bool":
        return column.is_in(["true", "false"])
    raise ValueError(kind)


_TOP_KINDS = {
    "transfer_id": "id",
    "occurred_at": "instant",
    "exchange_id": "id",
    "asset": "code",
    "chain": "code",
    "amount": "amount",
    "fiat_value": "amount",
    "fiat_currency": "currency",
}
_PARTY_KINDS = {
    "account": "id",
    "wallet": "wallet",
    "name": "text300",
    "country": "country",
    "id_number": "text64",
    "id_type": "id_type",
    "dob": "day",
    "vasp": "id",
    "hosted": "bool",
}
_REPEATED = ("exchange_id", "asset", "chain", "fiat_currency")
PartyCache = dict[tuple[str, ...], dict[tuple[Any, ...], Party]]
"""Parties already built, by the party fields a slice read, then by their values."""
_KINDS = _TOP_KINDS | {f"{role}_{suffix}": kind for role in ROLES for suffix, kind in _PARTY_KINDS.items()}


def _instant(text: str) -> datetime | None:
    """The cell's time in UTC, or None for one validation must judge (unparsable or out of range)."""
    try:
        at = datetime.fromisoformat(text).astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    return at if EARLIEST <= at < LATEST else None


def _day(text: str) -> date | None:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if EARLIEST_BIRTH <= day < LATEST.date() else None


def _convert(kind: str, values: list[Any], failed: set[int]) -> list[Any]:
    """Cells of plain rows (None when blank) as validation converts them; adds rows whose date did not convert."""
    if kind in ("instant", "day"):
        parse = _instant if kind == "instant" else _day
        out: list[Any] = []
        for position, value in enumerate(values):
            converted = None if value is None else parse(value)
            if value is not None and converted is None:
                failed.add(position)  # e.g. 2026-02-30: to_event reports it
            out.append(converted)
        return out
    if kind == "amount":
        return [None if v is None else Decimal(v) for v in values]
    if kind == "bool":
        return [None if v is None else v == "true" for v in values]
    if kind == "id_type":
        return [None if v is None else IdType(v) for v in values]
    return values


def parse_frame(
    frame: pl.DataFrame, parties: PartyCache | None = None, defaults: Mapping[str, str] = DEFAULTS
) -> tuple[list[TransferEvent], list[BadRow]]:
    """`parse_rows` over a frame of text columns (flat form, checked with `check_columns`), in bulk.

    A caller parsing a long file a slice at a time (the Python values of a slice's cells then live
    only while its models are built) passes the same `parties` to every slice, so a party is built
    once for the whole file."""
    with collector_paused():
        return _parse_frame(frame, defaults, {} if parties is None else parties)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def event_rows(frame: pl.DataFrame, defaults: Mapping[str, str] = DEFAULTS) -> list[int]:
    """The frame's row numbers in the order their transfers advance the graph (`domain.order.event_order`:
    when each happened, then its id; file order among equals), rows that fail validation last.

    Only the two columns of the key are read for a plain row; any other row is validated whole to
    learn what validation makes of its time and id (or that it fails)."""
    plain = (
        frame.select(
            (pl.col("occurred_at").str.contains(_INSTANT) & pl.col("transfer_id").str.contains(_IDENTIFIER))
            .fill_null(False)
            .alias("plain")
        )
        .to_series()
        .to_list()
    )
    times, ids = frame["occurred_at"].to_list(), frame["transfer_id"].to_list()
    keys: list[tuple[int, datetime, str]] = []
    for row, is_plain in enumerate(plain):
        at = _instant(times[row]) if is_plain else None
        if at is not None:
            keys.append((0, at, ids[row]))
            continue
        try:
            event = to_event(frame.row(row, named=True), defaults)
        except ValidationError:
            keys.append((1, _EPOCH, ""))
            continue
        keys.append((0, event.occurred_at, event.transfer_id))
    return sorted(range(len(keys)), key=keys.__getitem__)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector. For bulk work that makes hundreds of thousands of objects,
    none in a reference cycle (events, decisions): the collector would only re-scan them over and
    over, a fifth of the time of a backtest. Reference counting still frees everything.

    On the way out the objects made meanwhile are frozen (moved where the collector never looks),
    or the first collection after the pause would scan every one of them at once (0.3 s for a
    120k-transfer file)."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.freeze()
            gc.enable()


def _parse_frame(
    frame: pl.DataFrame, defaults: Mapping[str, str], parties: PartyCache
) -> tuple[list[TransferEvent], list[BadRow]]:
    columns = [c for c in frame.columns if c in _KINDS]
    blank = {c: pl.col(c).is_null() | pl.col(c).str.contains(_BLANK) for c in columns}
    plain = [blank[c] | _plain(_KINDS[c], pl.col(c)) for c in columns]
    present = {c: ~blank[c] if c in blank else pl.lit(False) for c in (*_KINDS, *REQUIRED)}
    plain += [present[c] for c in REQUIRED]
    plain.append(present["fiat_value"] == present["fiat_currency"])
    plain += [~present[f"{role}_id_number"] | present[f"{role}_id_type"] for role in ROLES]
    checked = frame.select(
        pl.all_horizontal(plain).alias("_plain"),
        *(pl.when(blank[c]).then(None).otherwise(pl.col(c)).alias(c) for c in columns),
    )
    is_plain = checked["_plain"].to_list()
    rows = [i for i, ok in enumerate(is_plain) if ok]
    cells = checked.filter(pl.col("_plain"))
    failed: set[int] = set()
    values = {
        c: _convert(_KINDS[c], cells[c].to_list(), failed)
        for c in columns
        if cells[c].null_count() < cells.height  # a column blank in every plain row adds nothing
    }
    built = (
        {rows[p]: event for p, event in enumerate(_events(values, len(rows), defaults, parties)) if p not in failed}
        if rows
        else {}
    )
    events: list[TransferEvent] = []
    bad: list[BadRow] = []
    others = [i for i in range(frame.height) if i not in built]
    slow = iter(frame[others].iter_rows(named=True)) if others else iter(())
    for i in range(frame.height):
        event = built.get(i)
        if event is not None:
            events.append(event)
            continue
        parsed, problems = parse_rows([next(slow)], i)
        events += parsed
        bad += problems
    return events, bad


def _events(
    values: dict[str, list[Any]],
    count: int,
    defaults: Mapping[str, str],
    known: PartyCache,
) -> list[TransferEvent]:
    """Models for plain rows (rows whose date or time did not convert are dropped by the caller)."""
    none: list[Any] = [None] * count
    top = {name: values.get(name, none) for name in _TOP_KINDS}
    for name in _REPEATED:
        # A file names a handful of exchanges, assets, chains and currencies: one string object each.
        seen: dict[Any, Any] = {}
        top[name] = [seen.setdefault(v, v) for v in top[name]]
    parties = [_parties(role, values, known) for role in ROLES]
    set_always = {"transfer_id", "occurred_at", "asset", "amount", "originator", "beneficiary", *defaults}
    exchange_default, chain_default = defaults.get("exchange_id"), defaults.get("chain")
    # Models are frozen, so rows with the same fields set can share one set (pydantic copies it on
    # `model_copy`): it is the largest part of a model, half a kilobyte.
    shared: dict[tuple[bool, bool, bool], set[str]] = {}
    out: list[TransferEvent] = []
    for transfer_id, at, exchange, asset, chain, amount, fiat_value, fiat_currency, originator, beneficiary in zip(
        top["transfer_id"],
        top["occurred_at"],
        top["exchange_id"],
        top["asset"],
        top["chain"],
        top["amount"],
        top["fiat_value"],
        top["fiat_currency"],
        *parties,
        strict=True,
    ):
        # Field order and defaults as TransferEvent declares them (a test compares with validation).
        fields = {
            "schema_version": 1,
            "transfer_id": transfer_id,
            "occurred_at": at,
            "exchange_id": exchange if exchange is not None else exchange_default,
            "asset": asset,
            "chain": chain if chain is not None else chain_default,
            "amount": amount,
            "fiat_value": fiat_value,
            "fiat_currency": fiat_currency,
            "originator": originator,
            "beneficiary": beneficiary,
        }
        key = (exchange is not None, chain is not None, fiat_value is not None)
        fields_set = shared.get(key)
        if fields_set is None:
            fields_set = shared[key] = set(set_always)
            if exchange is not None:
                fields_set.add("exchange_id")
            if chain is not None:
                fields_set.add("chain")
            if fiat_value is not None:
                fields_set.add("fiat_value")
                fields_set.add("fiat_currency")
        out.append(built(TransferEvent, fields, fields_set))
    return out


def _parties(role: str, values: dict[str, list[Any]], known: PartyCache) -> list[Party]:
    """One role's parties of the plain rows. Equal parties share one (frozen) model: an account
    appears in many transfers, and building it once saves most of the work. `known` carries them
    over from earlier slices, by the columns they were read from (a slice leaves out the columns
    blank in all its rows, so the same values can stand for different fields in another slice)."""
    optional = [
        (name, values[f"{role}_{suffix}"])
        for suffix, name in PARTY_FIELDS.items()
        if suffix != "account" and f"{role}_{suffix}" in values
    ]
    names = [name for name, _ in optional]
    seen = known.setdefault(tuple(names), {})
    out: list[Party] = []
    for key in zip(values[f"{role}_account"], *(column for _, column in optional), strict=True):
        party = seen.get(key)
        if party is None:
            # Field order and defaults as Party declares them (a test compares with validation).
            fields = {
                "account_id": key[0],
                "wallet_address": None,
                "name": None,
                "country": None,
                "id_number": None,
                "id_type": None,
                "date_of_birth": None,
                "vasp_id": None,
                "hosted": True,
            }
            fields_set = {"account_id"}
            for name, value in zip(names, key[1:], strict=True):
                if value is not None:
                    fields[name] = value
                    fields_set.add(name)
            party = seen[key] = built(Party, fields, fields_set)
        out.append(party)
    return out


def where(path: Path, frame: pl.DataFrame, rows: Sequence[int]) -> list[str]:
    """Where each data row (0-based) is in the file, as an editor shows it: "line N" for CSV and
    NDJSON, "row N" for Parquet. A CSV cell may hold line breaks, so earlier rows' breaks count."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return [f"row {row + 1}" for row in rows]
    if suffix in (".ndjson", ".jsonl"):
        lines = frame[LINE].to_list() if LINE in frame.columns else [row + 1 for row in range(frame.height)]
        return [f"line {lines[row]}" for row in rows]
    if not rows:
        return []
    lines = csv_lines(frame)
    return [f"line {lines[row]}" for row in rows]
