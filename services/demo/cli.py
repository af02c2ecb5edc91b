"""`aml demo`: start everything on an embedded broker and SQLite, stream transfers, report."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.live import Live
from rich.table import Table

from services.demo.runner import DemoConfig, run_demo
from services.demo.tally import Tally

console = Console(stderr=True)


def _table(tally: Tally, ledger: dict[str, int]) -> Table:
    table = Table(title="AML screening demo", show_header=True)
    for column in (
        "submitted",
        "allow",
        "flag",
        "hold",
        "undecided",
        "dead letters",
        "settled",
        "escrowed",
        "ledger pending",
        "p50 ms",
        "p99 ms",
    ):
        table.add_column(column, justify="right")
    counts, latency = tally.counts(), tally.latency()
    table.add_row(
        str(len(tally.submitted_at)),
        str(counts["allow"]),
        str(counts["flag"]),
        str(counts["hold"]),
        str(tally.pending),
        str(tally.dead_letters),
        str(ledger.get("settled", 0)),
        str(ledger.get("escrowed", 0)),
        str(ledger.get("pending", 0)),
        str(latency["p50"] or "-"),
        str(latency["p99"] or "-"),
    )
    return table


def demo(
    transfers: Annotated[int | None, typer.Option(help="how many transfers (default: stream until Ctrl-C)")] = None,
    once: Annotated[bool, typer.Option("--once", help="send N transfers, wait for every decision, exit")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the summary as JSON on the last line")] = False,
    rate: Annotated[float, typer.Option(help="transfers per second to submit")] = 400.0,
    seed: Annotated[int, typer.Option(help="workload seed")] = 7,
    listed_share: Annotated[float, typer.Option(help="share of transfers to OFAC-listed wallets")] = 0.03,
    workdir: Annotated[Path | None, typer.Option(help="where logs and SQLite files go (default: a temp dir)")] = None,
) -> None:
    """Run broker, ingest, screener and ledger, and stream a synthetic exchange workload through them."""
    count = transfers if transfers is not None else (2000 if once else None)
    cfg = DemoConfig(transfers=count, rate=rate, seed=seed, listed_share=listed_share, workdir=workdir)
    with Live(_table(Tally(), {}), console=console, refresh_per_second=4, transient=as_json) as live:
        summary: dict[str, Any] = asyncio.run(
            run_demo(cfg, lambda msg: console.log(msg), lambda t, lg: live.update(_table(t, lg)))
        )
    ok = summary["undecided"] == 0 and summary["conflicting_decisions"] == 0 and summary["listed_wallet_not_held"] == 0
    if as_json:
        sys.stdout.write(json.dumps(summary) + "\n")
    else:
        console.print_json(json.dumps(summary))
        console.print("[green]every transfer decided once[/green]" if ok else "[red]the run is incomplete[/red]")
    if not ok:
        raise typer.Exit(1)
