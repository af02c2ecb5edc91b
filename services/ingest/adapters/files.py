"""Read transfer files (CSV, Parquet, NDJSON) into flat rows numbered as a person counts lines."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from schemas.flat import check_columns, csv_lines, json_lines


class FileFormatError(ValueError):
    """The file cannot be read as a transfer file; the message names the file and why."""


@dataclass(frozen=True, slots=True)
class Row:
    line: int
    """CSV: the physical line (the header is line 1); NDJSON: the line; Parquet: the row, from 1."""
    values: dict[str, Any]


FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".ndjson": "ndjson", ".jsonl": "ndjson"}


def detect_format(path: Path) -> str:
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        raise FileFormatError(f"{path}: unknown file type {path.suffix!r}; use .csv, .parquet or .ndjson") from None


def read_rows(path: Path, fmt: str | None = None) -> Iterator[Row]:
    kind = fmt or detect_format(path)
    if kind == "ndjson":
        yield from _ndjson(path)
        return
    try:
        # Everything as text: pydantic does the typing, so a bad cell gets the same error
        # message it would get through the API, and nothing is silently coerced.
        frame = pl.read_csv(path, infer_schema=False) if kind == "csv" else pl.read_parquet(path)
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise FileFormatError(f"{path}: cannot read as {kind}: {exc}") from exc
    check_columns(frame.columns)
    lines = csv_lines(frame) if kind == "csv" else range(1, frame.height + 1)
    for line, values in zip(lines, frame.iter_rows(named=True), strict=True):
        yield Row(line, {k: _text(v) for k, v in values.items()})


def _text(value: Any) -> Any:
    return value if value is None or isinstance(value, str) else str(value)


def _ndjson(path: Path) -> Iterator[Row]:
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise FileFormatError(f"{path}: {exc}") from exc
    with handle:
        for line_no, raw, value in json_lines(handle):
            if isinstance(value, str):
                yield Row(line_no, {"__error__": value, "__raw__": raw.decode(errors="replace")})
            else:
                yield Row(line_no, value)
