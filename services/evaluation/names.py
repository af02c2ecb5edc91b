"""`aml eval names`: our name matcher and nomenklatura's side by side, on the same data in one run.

Data (../shared/data): the 826 labelled nomenklatura name pairs; yente's treated UN positives screened
against the real UN list; yente's 50k synthetic negatives screened against OFAC + UN + EU combined.
Every matcher scores the same candidates for the screening sets (see `competitors`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from services.evaluation.competitors import Competitor, competitors
from services.evaluation.fixtures import read_bench, read_lists, read_people, sample
from services.evaluation.report import Report, render_matched, render_table, write_report
from services.evaluation.scorecard import OperatingPoint, Row, operating_point, pair_score, timing
from services.watchlists.domain.criteria import MatchConfig, NameQuery
from services.watchlists.domain.matcher import NameMatcher

ALGORITHMS = ("logic-v2", "logic-v1", "ofac")
DEFAULT_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
CANDIDATES = 10
"""Entries each nomenklatura algorithm scores per query (yente: limit x YENTE_MATCH_CANDIDATES)."""

eval_app = typer.Typer(help="Evaluate screening components on third-party labelled data.", no_args_is_help=True)


@eval_app.callback()
def _group() -> None:
    """Evaluate screening components on third-party labelled data."""
    # A callback keeps `names` a subcommand even while it is the app's only command.


def _screen(
    competitor: Competitor, queries: Sequence[NameQuery], matcher: NameMatcher
) -> tuple[list[float], list[float]]:
    """Best score and CPU seconds of this process per query: one core's cost, whatever else the machine runs."""
    best: list[float] = []
    seconds: list[float] = []
    for query in queries:
        started = time.process_time()
        # Candidate generation is part of every matcher's cost, so it sits inside the timed span; ours
        # generates its own inside `best`.
        candidates = matcher.candidate_entries(query, CANDIDATES) if competitor.needs_candidates else []
        best.append(competitor.best(query, candidates, matcher))
        seconds.append(time.process_time() - started)
    return best, seconds


def _name_only_timing(matcher: NameMatcher, queries: Sequence[NameQuery]) -> list[float]:
    seconds = []
    for query in queries:
        started = time.process_time()
        matcher.match(NameQuery(query.name), limit=5)
        seconds.append(time.process_time() - started)
    return seconds


def evaluate(data: Path, algorithms: Sequence[str] = ALGORITHMS, negatives: int | None = None,
             config: MatchConfig | None = None, console: Console | None = None) -> Report:
    config = config or MatchConfig()

    def say(message: str) -> None:
        if console is not None:
            console.print(message)

    evaluation = data / "name-matching-eval"
    cases = read_bench(evaluation / "nomenklatura" / "name_bench_cases.csv")
    positives = read_people(evaluation / "yente-fixtures" / "positives_un_treated.csv")
    all_negatives = read_people(evaluation / "yente-fixtures" / "negatives_global_50k.csv")
    chosen = sample(all_negatives, negatives)
    say(f"loading lists from {data} …")
    lists = read_lists(data)
    un_matcher = NameMatcher.build(lists.un, config)
    all_matcher = NameMatcher.build(lists.combined, config)
    rows: list[Row] = []
    # Per matcher, its best score per UN positive and per negative, for the operating points.
    best_scores: list[tuple[list[float], list[float]]] = []
    for competitor in competitors(config, algorithms):
        say(f"{competitor.name}: pairs, UN positives, {len(chosen)} negatives …")
        scores = [competitor.pair(case) for case in cases]
        row = Row(competitor.name, competitor.threshold, pairs=pair_score(cases, scores, competitor.threshold))
        positive, _ = _screen(competitor, positives, un_matcher)
        row.un_recall = round(sum(s >= competitor.threshold for s in positive) / len(positives), 4)
        negative, seconds = _screen(competitor, chosen, all_matcher)
        false_hits = sum(s >= competitor.threshold for s in negative)
        row.negatives_fp_rate = round(false_hits / len(chosen), 5) if chosen else 0.0
        best_scores.append((positive, negative))
        row.negatives_used = len(chosen)
        row.timing = timing(seconds)
        rows.append(row)
    name_only = timing(_name_only_timing(NameMatcher.build(lists.combined, config), chosen))
    ours, (our_positive, our_negative) = rows[0], best_scores[0]
    points = []
    for other in rows[1:]:
        threshold, recall, fp_rate = operating_point(
            our_positive, our_negative, ours.threshold, other.negatives_fp_rate or 0.0
        )
        points.append(OperatingPoint(other.matcher, other.negatives_fp_rate or 0.0, other.un_recall or 0.0,
                                     round(threshold, 4), round(fp_rate, 5), round(recall, 4)))
    return Report(rows=rows, name_only=name_only, matched=points, entries=len(lists.combined),
                  names=all_matcher.name_count, un_entries=len(lists.un), positives=len(positives),
                  negatives_available=len(all_negatives), pairs=len(cases))


@eval_app.command("names")
def names_command(
    data: Annotated[Path, typer.Option(help="The shared evaluation data folder.")] = DEFAULT_DATA,
    sample_size: Annotated[int | None, typer.Option("--sample", help="Screen only N of the 50k negatives.")] = None,
    algorithm: Annotated[list[str] | None, typer.Option(help="nomenklatura algorithms to compare.")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write results (.json or .md).")] = None,
) -> None:
    """Score our matcher and nomenklatura's on the same pairs, positives and negatives."""
    console = Console()
    report = evaluate(data, tuple(algorithm or ALGORITHMS), sample_size, console=console)
    console.print(render_table(report))
    console.print(render_matched(report))
    if output is not None:
        write_report(report, output)
        console.print(f"results written to {output}")
