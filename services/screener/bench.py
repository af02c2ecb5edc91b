"""`aml bench screen`: how fast `aml screen` (the backtest) screens an AMLSim graph of about 120k transfers.

The graph's transfers are written in the flat column form exactly as `aml eval graph` writes them
(services.evaluation.graph.alerted) and screened by `screen_file`, the `aml screen` code path, with
the packaged policy and no listed wallets. Speed is reported both from the wall clock and from this
process's CPU time, so a machine shared with other work still gives one core's figure.
"""

from __future__ import annotations

import csv
import json
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer

from services.evaluation.graph import AMLSIM, DATA, HELD_OUT
from services.evaluation.graph_data import flat_rows, load_amlsim
from services.machine import describe, peak_rss_mib
from services.screener.backtest import screen_file
from services.screener.bootstrap import build_context
from services.screener.domain.watchlist import WatchlistSnapshot
from services.screener.policy_file import load_policy


def write_flat(folder: Path, path: Path, limit: int | None = None) -> int:
    """The graph's transfers (the first `limit`, if given) as the flat CSV `aml eval graph` screens."""
    transfers = load_amlsim(folder).transfers
    rows = flat_rows(transfers[:limit] if limit is not None else transfers)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


def measure(folder: Path, limit: int | None = None) -> dict[str, Any]:
    policy = load_policy()
    context = build_context(policy, WatchlistSnapshot.build("bench-empty", []))
    with tempfile.TemporaryDirectory(prefix="aml-screen-bench-") as directory:
        path = Path(directory) / "transfers.csv"
        transfers = write_flat(folder, path, limit)
        wall, cpu = time.perf_counter(), time.process_time()
        result = screen_file(path, context, policy)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    decisions = len(result.decisions)
    screen_wall = result.seconds - result.parse_seconds
    screen_cpu = result.cpu_seconds - result.parse_cpu_seconds
    return {
        "graph": folder.name,
        "transfers": transfers,
        "decisions": decisions,
        "invalid": len(result.bad),
        "actions": dict(sorted(Counter(d.action.value for d in result.decisions).items())),
        "policy": policy.version,
        # Throughput over parse + screen (what `aml screen` reports); reading the file is excluded.
        "transfers_per_s": {
            "wall": round(decisions / result.seconds) if result.seconds else 0,
            "cpu": round(decisions / result.cpu_seconds) if result.cpu_seconds else 0,
        },
        "seconds": {
            "parse_wall": round(result.parse_seconds, 3),
            "parse_cpu": round(result.parse_cpu_seconds, 3),
            "screen_wall": round(screen_wall, 3),
            "screen_cpu": round(screen_cpu, 3),
            "total_wall": round(wall, 3),
            "total_cpu": round(cpu, 3),
        },
        "peak_rss_mib": peak_rss_mib(),
        "machine": describe(),
    }


def bench_screen(
    graph: Annotated[str, typer.Option(help="AMLSim graph folder under ibm-amlsim-20k-samples.")] = HELD_OUT,
    limit: Annotated[int | None, typer.Option(min=1, help="Screen only the first N transfers.")] = None,
    data: Annotated[Path, typer.Option(help="The shared aml-transactions data folder.")] = DATA,
) -> None:
    """Screen an AMLSim graph through `aml screen`'s code path and print transfers/s (wall and CPU) as JSON."""
    folder = data / AMLSIM / graph
    if not (folder / "transactions.csv").is_file():
        typer.echo(
            f"AMLSim graph {graph!r} not found at {folder}: the shared evaluation data "
            "(../shared/data/aml-transactions beside the repository, or --data) is absent",
            err=True,
        )
        raise typer.Exit(1)
    typer.echo(json.dumps(measure(folder, limit)))
