"""`aml bench names`: single-name screening speed against OFAC + UN + EU combined.

The lists are the ones `aml eval names` screens against (OFAC 2024 sdn.csv with the 2021 aliases,
the 2026 UN XML, the EU journal CSVs, read by the production adapters). The matcher is built once;
then name-only queries (yente's synthetic negatives, plus the treated UN positives) are screened one
at a time. Speed is CPU time of this process per query, so a machine shared with other work still
gives one core's figure; wall-clock throughput is printed beside it.
"""

from __future__ import annotations

import gc
import json
import math
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer

from services.evaluation.fixtures import read_lists, read_people, sample
from services.evaluation.names import DEFAULT_DATA
from services.machine import describe, peak_rss_mib
from services.watchlists.domain.criteria import NameQuery
from services.watchlists.domain.matcher import NameMatcher

_YENTE = Path("name-matching-eval") / "yente-fixtures"


def bench_queries(data: Path, count: int) -> list[NameQuery]:
    """Name-only queries: the UN positives (at most half of ``count``), then negatives spread over the 50k file;
    shuffled with a fixed seed, so every run screens the same queries in the same order."""
    positives = [NameQuery(q.name) for q in read_people(data / _YENTE / "positives_un_treated.csv")][:count // 2]
    negatives = read_people(data / _YENTE / "negatives_global_50k.csv")
    wanted = count - len(positives)
    queries = [*positives, *(NameQuery(q.name) for q in sample(negatives, wanted))] if wanted else positives
    random.Random(0).shuffle(queries)
    return queries


def percentile(ordered: Sequence[float], share: float) -> float:
    """Nearest-rank percentile of an ascending sequence (the `aml eval names` convention)."""
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


def run(data: Path, count: int, freeze_gc: bool = True) -> dict[str, object]:
    queries = bench_queries(data, count)
    lists = read_lists(data)
    cpu, wall = time.process_time(), time.perf_counter()
    matcher = NameMatcher.build(lists.combined)
    build_cpu, build_wall = time.process_time() - cpu, time.perf_counter() - wall
    if freeze_gc:
        # As the screener does once a list version is applied (adapters/watchlist_feed.py): the matcher
        # holds about a million long-lived objects, and every full collection would walk them all.
        gc.collect()
        gc.freeze()
    seconds: list[float] = []
    hits = 0
    wall = time.perf_counter()
    for query in queries:
        started = time.process_time()
        found = matcher.match(query, limit=5)
        seconds.append(time.process_time() - started)
        hits += any(m.is_match for m in found)
    wall_total = time.perf_counter() - wall
    ordered = sorted(seconds)
    total = sum(ordered)
    return {
        "queries": len(queries),
        "queries_per_s": round(len(queries) / total, 1) if total else 0.0,
        "p50_ms": round(percentile(ordered, 0.50) * 1000, 3),
        "p99_ms": round(percentile(ordered, 0.99) * 1000, 3),
        "max_ms": round(ordered[-1] * 1000, 3) if ordered else 0.0,
        "wall_queries_per_s": round(len(queries) / wall_total, 1) if wall_total else 0.0,
        "queries_with_hit": hits,
        "gc_frozen": freeze_gc,
        "entries": len(lists.combined),
        "names_indexed": matcher.name_count,
        "build_cpu_s": round(build_cpu, 2),
        "build_wall_s": round(build_wall, 2),
        "peak_rss_mib": peak_rss_mib(),
        "machine": describe(),
    }


def bench_names(
    queries: Annotated[int, typer.Option(min=1, help="Name-only queries to screen, one at a time.")] = 20000,
    data: Annotated[Path, typer.Option(help="The shared evaluation data folder.")] = DEFAULT_DATA,
    freeze_gc: Annotated[bool, typer.Option(help="gc.freeze() after the build, as the screener does.")] = True,
) -> None:
    """Screen single names against OFAC + UN + EU combined and print CPU q/s, p50/p99 and memory as JSON."""
    if not (data / _YENTE / "negatives_global_50k.csv").is_file():
        typer.echo(f"shared evaluation data not found at {data} (expected {_YENTE}/negatives_global_50k.csv "
                   "beside OFAC, UN and EU lists); pass --data", err=True)
        raise typer.Exit(code=2)
    json.dump(run(data, queries, freeze_gc), sys.stdout, indent=2)
    sys.stdout.write("\n")
