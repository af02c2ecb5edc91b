"""`aml eval graph`: how well the graph heuristics find labelled laundering, from one run.

Every figure comes from transfers written in the flat column form and screened by the
`aml screen` code path (services.screener.backtest.screen_file). An account counts as alerted
when it is among the subjects of a hold or flag decision.
"""

from __future__ import annotations

import csv
import json
import random
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Annotated, Any

import typer

from services.evaluation.graph_data import (
    Attempt,
    Transfer,
    background,
    flat_rows,
    load_amlsim,
    parse_patterns,
    plant,
    redraw_amounts,
)
from services.screener.backtest import screen_file
from services.screener.bootstrap import build_context
from services.screener.domain.watchlist import WatchlistSnapshot
from services.screener.policy_file import load_policy

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "aml-transactions"
AMLSIM = "ibm-amlsim-20k-samples"
PATTERNS = "ibm-amlworld-hi-small/HI-Small_Patterns.txt"
DEVELOPMENT = ("20K_cycle200", "20K_fanin200")
HELD_OUT = "20K_fanin200cycle200"
SEEDS = (11, 23, 37)
TYPOLOGIES = ("FAN-IN", "FAN-OUT", "CYCLE", "SCATTER-GATHER", "GATHER-SCATTER", "STACK", "BIPARTITE", "RANDOM")


def alerted(transfers: list[Transfer], policy_path: Path | None) -> tuple[set[str], float]:
    """Screen through `aml screen`'s path; the alerted accounts and the transfers per second."""
    policy = load_policy(policy_path)
    context = build_context(policy, WatchlistSnapshot.build("eval-empty", []))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "transfers.csv"
        rows = flat_rows(transfers)
        with path.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        result = screen_file(path, context, policy)
    accounts = {s for d in result.decisions if d.action != "allow" for r in d.reasons for s in r.subjects}
    return accounts, len(result.decisions) / result.seconds


def published(name: str, redraw: bool, seed: int, policy_path: Path | None) -> dict[str, Any]:
    sim = load_amlsim(DATA / AMLSIM / name)
    transfers = sim.transfers
    if redraw:
        transfers = redraw_amounts(transfers, [t.amount for t in background(sim)], random.Random(seed))
    hits, rate = alerted(transfers, policy_path)
    true = len(hits & sim.fraud)
    precision = true / len(hits) if hits else 0.0
    recall = true / len(sim.fraud)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    normal = sim.accounts - sim.fraud
    return {
        "graph": name,
        "amounts": "redrawn" if redraw else "as published",
        "precision": round(precision, 3),
        "recall": round(recall, 3),
        "f1": round(f1, 3),
        "background_alerted": round(len(hits & normal) / len(normal), 4),
        "transfers_per_s": round(rate),
    }


def planted(name: str, seed: int, policy_path: Path | None) -> dict[str, Any]:
    rng = random.Random(seed)
    base = background(load_amlsim(DATA / AMLSIM / name))
    transfers, attempts = plant(base, parse_patterns(DATA / PATTERNS), rng)
    transfers.sort(key=lambda t: t.at)
    hits, rate = alerted(transfers, policy_path)
    by_type: dict[str, list[bool]] = defaultdict(list)
    for attempt in attempts:
        by_type[attempt.typology].append(_detected(attempt, hits))
    laundering = {a for attempt in attempts for a in attempt.accounts}
    normal = {a for t in base for a in (t.src, t.dst)} - laundering
    return {
        "graph": name,
        "seed": seed,
        "transfers_per_s": round(rate),
        "detected": {k: round(sum(v) / len(v), 3) for k, v in sorted(by_type.items())},
        "background_alerted": round(len(hits & normal) / len(normal), 4),
    }


def _detected(attempt: Attempt, hits: set[str]) -> bool:
    accounts = attempt.accounts
    return 2 * len(accounts & hits) >= len(accounts)


def _print(report: dict[str, Any]) -> None:
    typer.echo("Planted AMLworld HI-Small attempts in AMLSim background (share detected; background alerted)")
    typer.echo("| graph | seed | " + " | ".join(TYPOLOGIES) + " | background alerted |")
    typer.echo("|---" * (len(TYPOLOGIES) + 3) + "|")
    for row in report["planted"]:
        cells = " | ".join(f"{row['detected'].get(t, 0):.0%}" for t in TYPOLOGIES)
        typer.echo(f"| {row['graph']} | {row['seed']} | {cells} | {row['background_alerted']:.1%} |")
    typer.echo("\nAMLSim as published, account level")
    typer.echo("| graph | amounts | precision | recall | F1 | background alerted | transfers/s |")
    typer.echo("|---|---|---|---|---|---|---|")
    for row in report["published"]:
        typer.echo(
            f"| {row['graph']} | {row['amounts']} | {row['precision']:.3f} | {row['recall']:.3f} | "
            f"{row['f1']:.3f} | {row['background_alerted']:.1%} | {row['transfers_per_s']:,} |"
        )


def graph_command(
    seed: Annotated[list[int] | None, typer.Option("--seed", help="planting seed (repeatable)")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="write the report as JSON")] = None,
    policy: Annotated[Path | None, typer.Option("--policy", exists=True, dir_okay=False)] = None,
    include_held_out: Annotated[bool, typer.Option(help=f"also report {HELD_OUT} (never tune on it)")] = True,
) -> None:
    """Evaluate the graph heuristics on the labelled AMLSim and AMLworld data."""
    seeds = tuple(seed) if seed else SEEDS
    graphs = (*DEVELOPMENT, HELD_OUT) if include_held_out else DEVELOPMENT
    report = {
        "policy": load_policy(policy).version,
        "planted": [planted(DEVELOPMENT[0], s, policy) for s in seeds],
        "published": [published(g, redraw, seeds[0], policy) for g in graphs for redraw in (False, True)],
    }
    _print(report)
    if output is not None:
        output.write_text(json.dumps(report, indent=2))
