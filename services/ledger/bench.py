"""`aml bench ledger`: how fast `Ledger.apply` takes batches, without Kafka in the way.

It applies a seeded synthetic stream (see `bench_workload`) batch by batch, exactly as the
consumer would, and prints throughput, batch latency percentiles and peak RSS. SQLite runs on
a fresh file in a temporary directory; PostgreSQL runs on the database the URL names (the
schema is migrated, and transfer ids carry a per-run prefix so runs never collide).
"""

from __future__ import annotations

import asyncio
import resource
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

from services.database import create_engine
from services.ledger.adapters.schema_migrator import upgrade_schema
from services.ledger.bench_workload import Workload, build
from services.ledger.domain.transfer_state import Outcome
from services.ledger.ledger import Ledger


def bench_ledger(
    transfers: Annotated[int, typer.Option(min=1, help="Synthetic transfers to apply (plus their decisions).")] = 20000,
    batch: Annotated[int, typer.Option(min=1, help="Records per batch, as LEDGER_BATCH_MAX_RECORDS.")] = 500,
    database_url: Annotated[
        str | None, typer.Option(help="postgresql+asyncpg://… to measure PostgreSQL; default: a temporary SQLite file.")
    ] = None,
) -> None:
    """Apply N transfers and their decisions through Ledger.apply and report the throughput."""
    workload = build(transfers, batch, prefix=f"bench-{uuid.uuid4().hex[:8]}")
    if database_url is not None:
        asyncio.run(_run(database_url, workload))
        return
    with tempfile.TemporaryDirectory(prefix="aml-ledger-bench-") as directory:
        asyncio.run(_run(f"sqlite+aiosqlite:///{Path(directory) / 'ledger.db'}", workload))


async def _run(url: str, workload: Workload) -> None:
    engine = create_engine(url)
    try:
        await upgrade_schema(engine)
        ledger = Ledger(engine)
        outcomes: Counter[Outcome] = Counter()
        repeated = 0
        latencies: list[float] = []
        started = time.perf_counter()
        for batch in workload.batches:
            before = time.perf_counter()
            report = await ledger.apply(batch.transfers, batch.decisions)
            latencies.append(time.perf_counter() - before)
            outcomes.update(report.outcomes)
            repeated += report.repeated_decisions
        elapsed = time.perf_counter() - started
    finally:
        await engine.dispose()
    _print(engine.dialect.name, workload, elapsed, latencies, outcomes, repeated)


def _print(
    dialect: str,
    workload: Workload,
    elapsed: float,
    latencies: list[float],
    outcomes: Counter[Outcome],
    repeated: int,
) -> None:
    typer.echo(
        f"ledger bench on {dialect}: {workload.transfers} transfers + {workload.decisions} decisions "
        f"in {len(workload.batches)} batches, {elapsed:.2f} s"
    )
    typer.echo(f"  throughput  {workload.transfers / elapsed:,.0f} transfers/s")
    typer.echo(f"  batch p50   {_percentile(latencies, 50) * 1000:.1f} ms")
    typer.echo(f"  batch p99   {_percentile(latencies, 99) * 1000:.1f} ms")
    typer.echo(f"  peak RSS    {_peak_rss_mib():.0f} MiB")
    counted = ", ".join(f"{outcome} {outcomes[outcome]}" for outcome in Outcome)
    typer.echo(f"  decisions   {counted}, redelivered {repeated}")


def _percentile(values: list[float], percent: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    # "inclusive" interpolates between observed latencies instead of extrapolating past them.
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]


def _peak_rss_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports kibibytes, macOS bytes.
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024
