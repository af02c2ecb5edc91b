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
    # One metric a row: twelve columns side by side did not fit an 80-column terminal.
    counts, latency = tally.counts(), tally.latency()
    planted = tally.scenarios()
    caught = sum(row["caught"] for row in planted)
    rows = [
        ("submitted", str(len(tally.submitted_at))),
        ("decided allow / flag / hold", f"{counts['allow']} / {counts['flag']} / {counts['hold']}"),
        ("undecided", str(tally.pending)),
        ("dead letters", str(tally.dead_letters)),
        ("decision latency p50 / p99", f"{latency['p50'] or '-'} / {latency['p99'] or '-'} ms"),
        (
            "ledger settled / escrowed / pending",
            f"{ledger.get('settled', 0)} / {ledger.get('escrowed', 0)} / {ledger.get('pending', 0)}",
        ),
        ("planted scenarios caught", f"{caught} of {len(planted)}" if planted else "-"),
    ]
    table = Table(title="AML screening demo", show_header=False)
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name, value in rows:
        table.add_row(name, value)
    return table


def demo(
    transfers: Annotated[int | None, typer.Option(help="how many transfers (default: stream until Ctrl-C)")] = None,
    once: Annotated[bool, typer.Option("--once", help="send N transfers, wait for every decision, exit")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the summary as JSON on the last line")] = False,
    rate: Annotated[float, typer.Option(help="transfers per second to submit")] = 400.0,
    seed: Annotated[int, typer.Option(help="workload seed")] = 7,
    listed_share: Annotated[float, typer.Option(help="share of transfers to OFAC-listed wallets")] = 0.03,
    workdir: Annotated[Path | None, typer.Option(help="where logs and SQLite files go (default: ./aml-data)")] = None,
) -> None:
    """Run broker, ingest, screener, ledger and case desk, and stream a synthetic exchange workload through them."""
    count = transfers if transfers is not None else (2000 if once else None)
    cfg = DemoConfig(transfers=count, rate=rate, seed=seed, listed_share=listed_share, workdir=workdir)
    with Live(_table(Tally(), {}), console=console, refresh_per_second=4, transient=as_json) as live:
        summary: dict[str, Any] = asyncio.run(
            run_demo(cfg, lambda msg: console.log(msg), lambda t, lg: live.update(_table(t, lg)))
        )
    problems = _problems(summary)
    if as_json:
        sys.stdout.write(json.dumps(summary) + "\n")
    else:
        console.print_json(json.dumps({k: v for k, v in summary.items() if k != "scenarios"}))
        for row in summary["scenarios"].values():
            mark = "[green]caught[/green]" if row["caught"] else "[red]MISSED[/red]"
            got = f"{row['action']} {', '.join(row['rules'])}" if row["action"] else "no decision"
            console.print(f"{mark} {row['scenario']} ({row['story']}): expected {row['expected']}, got {got}")
        verdict = f"[red]{'; '.join(problems)}[/red]" if problems else "[green]every transfer decided once[/green]"
        console.print(verdict)
    if problems:
        raise typer.Exit(1)


def _problems(summary: dict[str, Any]) -> list[str]:
    """What makes the run a failure, in words."""
    found = []
    if summary["undecided"]:
        found.append(f"{summary['undecided']} transfers undecided")
    if summary["conflicting_decisions"]:
        found.append(f"{summary['conflicting_decisions']} transfers decided twice differently")
    if summary["listed_wallet_not_held"]:
        found.append(f"{summary['listed_wallet_not_held']} transfers to listed wallets not held")
    if summary["scenarios_missed"]:
        found.append(f"planted scenarios not caught: {', '.join(summary['scenarios_missed'])}")
    return found
