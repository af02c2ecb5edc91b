"""`aml export`: the case desk's tables as CSV or Parquet files for a regulator's own analysis."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from schemas.common import utc_now
from services.casedesk.adapters.case_store import CaseStore
from services.casedesk.settings import CasedeskSettings
from services.database import create_engine, upgrade_schema
from services.regulator.bulk import BulkFormat, export_tables, write

DEFAULT_DAYS = 30


class ExportFormat(StrEnum):
    CSV = "csv"
    PARQUET = "parquet"
    GOAML = "goaml"


def _moment(text: str, *, end: bool) -> datetime:
    """An ISO date or datetime as UTC. A bare date is midnight UTC; as `--to`, the end of that day (inclusive)."""
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime.combine(day + timedelta(days=1) if end else day, time(), UTC)
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise typer.BadParameter(f"not an ISO date or datetime: {text!r}") from error
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


async def _export(url: str, since: datetime, until: datetime, fmt: BulkFormat, output: Path) -> dict[str, int]:
    engine = create_engine(url)
    try:
        await upgrade_schema(engine, "services.casedesk")
        frames = await export_tables(engine, since, until)
        write(frames, output, fmt)
        counts = {table: frame.height for table, frame in frames.items()}
        payload = {
            "format": fmt.value,
            "from": since.isoformat(),
            "to": until.isoformat(),
            "rows": counts,
            "output": str(output),
        }
        await CaseStore(engine).audit("cli", "export", "export", payload, utc_now())
    finally:
        await engine.dispose()
    return counts


def export_command(
    output: Annotated[Path, typer.Option("-o", "--output", help="Directory to write into (created).")],
    fmt: Annotated[
        ExportFormat, typer.Option("--format", help="csv or parquet: one file per table (goaml: not yet wired).")
    ] = ExportFormat.CSV,
    since: Annotated[
        str | None,
        typer.Option(
            "--from", help=f"ISO date or datetime (UTC) the range starts at. Default: {DEFAULT_DAYS} days ago."
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            "--to", help="ISO date (inclusive) or datetime (exclusive), UTC, the range ends at. Default: now."
        ),
    ] = None,
) -> None:
    """Export cases, alerts, decisions and resolutions in a date range, for a regulator's own analysis."""
    if fmt is ExportFormat.GOAML:
        typer.echo("goaml export: not yet wired", err=True)
        raise typer.Exit(2)
    end = utc_now() if until is None else _moment(until, end=True)
    start = end - timedelta(days=DEFAULT_DAYS) if since is None else _moment(since, end=False)
    if start >= end:
        raise typer.BadParameter(f"--from {start.isoformat()} is not before --to {end.isoformat()}")
    counts = asyncio.run(_export(CasedeskSettings().database_url, start, end, BulkFormat(fmt.value), output))
    for table, count in counts.items():
        typer.echo(f"{table}: {count} rows -> {output / f'{table}.{fmt.value}'}")
