"""`aml bench pipeline`: end-to-end throughput, latency and memory of the running services.

The same harness as the demo (real processes, real broker), fed as fast as it accepts: the
figures are what one machine does with ingest, screener, ledger and broker sharing its cores.
"""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

import typer
from rich.console import Console

from services.demo.runner import DemoConfig, run_demo
from services.machine import describe

console = Console(stderr=True)


def bench_pipeline(
    transfers: Annotated[int, typer.Option(help="transfers to push through")] = 10_000,
    rate: Annotated[float, typer.Option(help="submission rate cap, transfers per second")] = 5_000.0,
) -> None:
    """Push N transfers through ingest → screener → ledger and report throughput, latency and peak memory."""
    cfg = DemoConfig(transfers=transfers, rate=rate, settle_timeout=600.0)
    summary = asyncio.run(run_demo(cfg, lambda msg: console.log(msg), lambda _t, _l: None))
    elapsed = summary["elapsed_s"]
    result = {
        "transfers": summary["transfers"],
        "all_decided": summary["undecided"] == 0,
        "elapsed_s": elapsed,
        "end_to_end_per_s": round(summary["transfers"] / elapsed, 1) if elapsed else None,
        "decision_latency_ms": summary["latency_ms"],
        "peak_rss_mb": summary["peak_rss_mb"],
        "ledger": summary["ledger"],
        "machine": describe(),
    }
    print(json.dumps(result))
