"""`aml ingest run` (HTTP API) and `aml ingest file PATH` (bulk load)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from schemas import TransferEvent
from services.ingest.adapters.publisher import BrokerUnavailable
from services.ingest.bootstrap import open_intake, serve
from services.ingest.intake import Admission, ConflictError, RefusedError
from services.ingest.loader import InvalidRowError, LoadReport, RowError, dead_letters, load, validate_file
from services.ingest.settings import Settings
from services.log_limits import install_repeat_limit

ingest_app = typer.Typer(help="Take transfers from exchanges: HTTP API and bulk files.", no_args_is_help=True)
console = Console(stderr=True)


@ingest_app.command("run")
def run() -> None:
    """Serve the exchange HTTP API (POST /v1/transfers) until interrupted."""
    settings = Settings()
    console.print(f"ingest API on http://{settings.http_host}:{settings.http_port} → {settings.transfers_topic}")
    asyncio.run(serve(settings))


@ingest_app.command("file")
def file(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV, Parquet or NDJSON file")],
    exchange_id: Annotated[str, typer.Option(help="exchange_id for rows without one")] = "bulk-file",
    chain: Annotated[str, typer.Option(help="chain for rows without one")] = "unspecified",
    fmt: Annotated[str | None, typer.Option("--format", help="csv | parquet | ndjson (default: by suffix)")] = None,
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="load the good rows; send bad ones to the dead-letter topic")
    ] = False,
) -> None:
    """Load a file of transfers (flat column form). The first bad row stops the load, unless --skip-invalid."""
    settings = Settings()
    install_repeat_limit("aiokafka")
    try:
        events, invalid = validate_file(
            path,
            {"exchange_id": exchange_id, "chain": chain},
            skip_invalid=skip_invalid,
            fmt=fmt,
            admission=Admission.from_settings(settings),
        )
    except InvalidRowError as exc:
        console.print(f"[red]rejected[/red] {exc}\nNothing was published. Fix the row or use --skip-invalid.")
        raise typer.Exit(1) from exc
    except ValueError as exc:
        console.print(f"[red]rejected[/red] {exc}")
        raise typer.Exit(1) from exc
    try:
        report = asyncio.run(_publish(settings, path, events, invalid))
    except (RefusedError, ConflictError, BrokerUnavailable) as exc:
        # Chunks before the failing one are published and recorded; a rerun replays them (no duplicates).
        console.print(f"[red]stopped[/red] {exc}\nRerun the same command once this is resolved.")
        raise typer.Exit(1) from exc
    report.invalid = invalid
    for bad in invalid[:20]:
        console.print(f"[yellow]dead-lettered[/yellow] {path}:{bad.line}: {bad.reason}")
    console.print(
        f"{path}: {report.rows} valid rows, {report.published} published, {report.replays} already loaded, "
        f"{len(invalid)} dead-lettered"
    )


async def _publish(settings: Settings, path: Path, events: list[TransferEvent], invalid: list[RowError]) -> LoadReport:
    async with open_intake(settings) as intake:
        if invalid:
            await intake.publisher.dead_letter(dead_letters(path, invalid))
        with Progress(
            TextColumn("[bold]publishing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=console
        ) as progress:
            task = progress.add_task("publish", total=len(events))
            return await load(intake, events, lambda n: progress.advance(task, n))
