"""Bulk file loading: validate every row first, then publish through the same intake as the API."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from pydantic import ValidationError

from schemas import DeadLetter, TransferEvent
from schemas.common import utc_now
from schemas.flat import FlatFormatError, column_of, to_event
from services.ingest.adapters.files import Row, read_rows
from services.ingest.domain.admission import Refusal
from services.ingest.intake import Admission, Intake

CHUNK = 1_000


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    reason: str
    row: dict[str, Any]


class InvalidRowError(ValueError):
    def __init__(self, path: Path, error: RowError) -> None:
        super().__init__(f"{path}:{error.line}: {error.reason}")
        self.error = error


@dataclass
class LoadReport:
    rows: int = 0
    published: int = 0
    replays: int = 0
    invalid: list[RowError] = field(default_factory=list)


def _reason(exc: ValidationError) -> str:
    return "; ".join(f"{column_of(tuple(item['loc']))}: {item['msg']}" for item in exc.errors(include_url=False))


def _validate(
    row: Row, defaults: dict[str, str], admit: Callable[[TransferEvent], list[Refusal]]
) -> TransferEvent | RowError:
    if "__error__" in row.values:
        return RowError(row.line, str(row.values["__error__"]), row.values)
    try:
        if isinstance(row.values.get("originator"), dict):  # NDJSON may carry nested events
            event = TransferEvent.model_validate({**defaults, **row.values})
        else:
            event = to_event(row.values, defaults)
    except ValidationError as exc:
        return RowError(row.line, _reason(exc), row.values)
    refused = admit(event)
    if refused:
        return RowError(row.line, "; ".join(f"{r.field}: {r.message}" for r in refused), row.values)
    return event


def validate_file(
    path: Path,
    defaults: dict[str, str],
    *,
    skip_invalid: bool,
    fmt: str | None = None,
    admission: Admission | None = None,
) -> tuple[list[TransferEvent], list[RowError]]:
    """All valid events, and the invalid rows (raises at the first one unless `skip_invalid`).

    With `admission` (the one the intake will enforce), a row it refuses (event time, id scope) is a
    bad row like any other, with its line, found before anything is published. Without it only the
    contract is checked here; the intake still refuses such rows when they are submitted.
    """
    events: list[TransferEvent] = []
    invalid: list[RowError] = []
    try:
        rows = list(read_rows(path, fmt))
    except FlatFormatError as exc:
        raise InvalidRowError(path, RowError(1, str(exc), {})) from exc
    # One clock reading for the whole file: every row is judged against the same "now".
    now = admission.clock() if admission is not None else None

    def admit(event: TransferEvent) -> list[Refusal]:
        return admission.check(event, now) if admission is not None else []

    for row in rows:
        result = _validate(row, defaults, admit)
        if isinstance(result, RowError):
            if not skip_invalid:
                raise InvalidRowError(path, result)
            invalid.append(result)
        else:
            events.append(result)
    return events, invalid


def dead_letters(path: Path, errors: Sequence[RowError]) -> list[DeadLetter]:
    now = utc_now()
    return [
        DeadLetter(
            reason=f"line {e.line}: {e.reason}",
            topic=f"file:{path.name}",
            offset=e.line,
            original_b64=DeadLetter.encode(orjson.dumps(e.row, default=str)),
            source="ingest-file",
            dead_lettered_at=now,
        )
        for e in errors
    ]


async def load(
    intake: Intake,
    events: Sequence[TransferEvent],
    progress: Callable[[int], None] | None = None,
) -> LoadReport:
    report = LoadReport(rows=len(events))
    for start in range(0, len(events), CHUNK):
        chunk = events[start : start + CHUNK]
        result = await intake.submit(chunk)
        report.published += len(result.to_publish)
        report.replays += len(result.replays)
        if progress is not None:
            progress(len(chunk))
    return report
