"""Offline screening (`aml screen`): a file of transfers in, one decision per transfer out.

It runs exactly the streaming code path (`domain.decide.screen` with the same context and
graph), in the same event-time order (`domain.order.event_order`), so a backtest decision is
the decision the stream would have made for that transfer.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import orjson
import polars as pl
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from schemas import Decision, TransferEvent
from schemas.common import utc_now
from schemas.flat import FlatFormatError
from services.screener.adapters.lists import from_store
from services.screener.bootstrap import build_context, load_jurisdictions
from services.screener.domain.decide import Policy, invalid_transfer_hold, screen
from services.screener.domain.name_policy import match_config
from services.screener.domain.order import event_order
from services.screener.domain.rules import ScreeningContext
from services.screener.domain.watchlist import WatchlistSnapshot
from services.screener.flat_file import BadRow, PartyCache, collector_paused, event_rows, parse_frame, read_frame, where
from services.screener.policy_file import load_policy
from services.screener.rule_tally import RuleTally
from services.watchlists.loading import NoWatchlistsLoaded

SHOWN_BAD_ROWS = 20
"""`aml screen` names at most this many invalid rows (each is held if it names its transfer)."""
OUTPUT_COLUMNS = ("transfer_id", "action", "score", "reasons", "subjects")
PARSE_SLICE = 50_000
"""Rows parsed and screened at a time (see `screen_file`)."""


@dataclass
class Backtest:
    decisions: list[Decision] = field(default_factory=list)
    bad: list[tuple[str, BadRow]] = field(default_factory=list)
    """Every row that failed validation, with where to find it in the file ("line 7", "row 7")."""
    seconds: float = 0.0
    parse_seconds: float = 0.0
    """Of `seconds`, the time spent validating rows (the rest is screening)."""
    cpu_seconds: float = 0.0
    """CPU time of this process over the same span as `seconds`."""
    parse_cpu_seconds: float = 0.0


ProgressReport = Callable[[int, int], None]
"""Told (done so far, in all): by `run`, transfers every `PROGRESS_STEP` and at the end; by
`screen_file`, the file's rows after each slice."""
PROGRESS_STEP = 5000


def run(
    transfers: Sequence[TransferEvent],
    context: ScreeningContext,
    policy: Policy,
    progress: ProgressReport | None = None,
) -> list[Decision]:
    """Screen in event-time order through the streaming code path."""
    return list(decisions_of(list(transfers), context, policy, progress))


def decisions_of(
    transfers: list[TransferEvent],
    context: ScreeningContext,
    policy: Policy,
    progress: ProgressReport | None = None,
    now: datetime | None = None,
) -> Iterator[Decision]:
    """`run`, one decision at a time. Takes over `transfers` (it is left empty) and lets each transfer
    go once screened, so a caller that writes decisions out as they come holds the transfers once."""
    decided_at = now or utc_now()
    transfers.sort(key=event_order)
    queue = deque(transfers)
    transfers.clear()
    total, done = len(queue), 0
    with collector_paused():
        while queue:
            yield screen(queue.popleft(), context, policy, decided_at)
            done += 1
            if progress is not None and (done % PROGRESS_STEP == 0 or done == total):
                progress(done, total)


def screen_file(
    path: Path,
    context: ScreeningContext,
    policy: Policy,
    progress: ProgressReport | None = None,
    sink: Callable[[Decision], None] | None = None,
) -> Backtest:
    """Parse and screen a file in event-time order. The rows are put in that order first (from their
    time and id alone), then parsed and screened `PARSE_SLICE` at a time: only one slice of transfers
    is ever held. With `sink`, each decision goes to it as it is made and none is kept
    (`Backtest.decisions` stays empty). `progress` is told rows done out of the file's rows."""
    frame = read_frame(path)
    started, started_cpu = time.perf_counter(), time.process_time()
    order = event_rows(frame)
    parse_wall, parse_cpu = time.perf_counter() - started, time.process_time() - started_cpu
    now = utc_now()
    kept: list[Decision] = []
    give = kept.append if sink is None else sink
    bad: list[BadRow] = []
    parties: PartyCache = {}
    with collector_paused():
        for start in range(0, len(order), PARSE_SLICE):
            rows = order[start : start + PARSE_SLICE]
            wall, cpu = time.perf_counter(), time.process_time()
            events, problems = parse_frame(frame[rows], parties)
            parse_wall += time.perf_counter() - wall
            parse_cpu += time.process_time() - cpu
            bad += (replace(b, row=rows[b.row]) for b in problems)
            for decision in decisions_of(events, context, policy, now=now):
                give(decision)
            if progress is not None:
                progress(start + len(rows), frame.height)
    bad.sort(key=lambda b: b.row)
    located = list(zip(where(path, frame, [b.row for b in bad]), bad, strict=True))
    for place, b in located:
        if b.transfer_id is not None:
            give(invalid_transfer_hold(b.transfer_id, f"{place}: {b.problem}", context, policy, now))
    return Backtest(
        kept,
        located,
        seconds=time.perf_counter() - started,
        parse_seconds=parse_wall,
        cpu_seconds=time.process_time() - started_cpu,
        parse_cpu_seconds=parse_cpu,
    )


_NONE = "[]"
"""Most decisions have no reasons: their two empty JSON lists share one string."""


def decision_row(decision: Decision) -> dict[str, Any]:
    if not decision.reasons:
        reasons = subjects = _NONE
    else:
        reasons = orjson.dumps([reason.model_dump(mode="json") for reason in decision.reasons]).decode()
        subjects = orjson.dumps(sorted({s for reason in decision.reasons for s in reason.subjects})).decode()
    return {
        "transfer_id": decision.transfer_id,
        "action": decision.action.value,
        "score": decision.score,
        "reasons": reasons,
        "subjects": subjects,
    }


class DecisionTable:
    """The output file's columns, filled as decisions come: a decision costs its values, not a model
    or a row dict, so a backtest of a million transfers keeps little besides the transfers."""

    def __init__(self) -> None:
        self.columns: dict[str, list[Any]] = {name: [] for name in OUTPUT_COLUMNS}

    def __len__(self) -> int:
        return len(self.columns["transfer_id"])

    def add(self, decision: Decision) -> None:
        for name, value in decision_row(decision).items():
            self.columns[name].append(value)

    def write(self, path: Path) -> None:
        """To CSV, Parquet or NDJSON, by the file's suffix."""
        frame = pl.DataFrame(self.columns, schema=dict.fromkeys(OUTPUT_COLUMNS, pl.String) | {"score": pl.Float64})
        suffix = path.suffix.lower()
        if suffix == ".parquet":
            frame.write_parquet(path)
        elif suffix in (".ndjson", ".jsonl"):
            frame.write_ndjson(path)
        else:
            frame.write_csv(path)


def watchlist_from(directory: Path | None, policy: Policy | None = None) -> WatchlistSnapshot:
    """The lists `aml watchlists load` stored (in DIR, or the default store), matched as the policy says."""
    return from_store(directory, match_config(policy))


def screen_command(
    input_path: Annotated[
        Path,
        typer.Argument(
            metavar="INPUT",
            exists=True,
            dir_okay=False,
            help="transfers in the flat column form (CSV, Parquet, NDJSON)",
        ),
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="decisions file; format by suffix")],
    policy_path: Annotated[
        Path | None, typer.Option("--policy", exists=True, dir_okay=False, help="policy TOML (default: packaged)")
    ] = None,
    watchlists: Annotated[
        Path | None,
        typer.Option(
            "--watchlists",
            exists=True,
            file_okay=False,
            help="watchlist store (default: the `aml watchlists load` one)",
        ),
    ] = None,
) -> None:
    """Screen a file of transfers in event-time order with the streaming code path."""
    policy = load_policy(policy_path)
    if (stale := load_jurisdictions().staleness(utc_now().date())) is not None:
        typer.echo(f"warning: {stale}", err=True)
    try:
        context = build_context(policy, watchlist_from(watchlists, policy))
    except NoWatchlistsLoaded as exc:
        typer.echo(f"no lists to screen against: {exc}", err=True)
        raise typer.Exit(1) from exc
    with Progress(
        TextColumn("[bold]screening"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("screen", total=None)

        def report(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        # Decisions become output values (and counts) as they are made: a fraction of a decision's size.
        table = DecisionTable()
        tally = RuleTally()

        def keep(decision: Decision) -> None:
            table.add(decision)
            tally.add(decision)

        try:
            result = screen_file(input_path, context, policy, report, keep)
        except FlatFormatError as exc:
            bar.stop()
            typer.echo(f"aml screen: {exc}", err=True)
            raise typer.Exit(1) from exc
    table.write(output)
    for place, bad in result.bad[:SHOWN_BAD_ROWS]:
        fate = f"transfer {bad.transfer_id} held" if bad.transfer_id else "no transfer id, so no decision"
        typer.echo(f"{input_path}:{place}: {bad.problem} ({fate})", err=True)
    if len(result.bad) > SHOWN_BAD_ROWS:
        typer.echo(f"... and {len(result.bad) - SHOWN_BAD_ROWS} more invalid rows", err=True)
    counts = tally.actions
    rate = len(table) / result.seconds if result.seconds else 0.0
    typer.echo(
        f"{len(table)} decisions ({counts['allow']} allow, {counts['flag']} flag, {counts['hold']} hold), "
        f"{len(result.bad)} invalid rows, policy {policy.version}, watchlist {context.watchlist.version}, "
        f"{rate:,.0f} transfers/s"
    )
    if tally.rules:
        fired = Table("rule", title="Rules that fired")
        for column in ("transfers", "held", "flagged", "accounts named"):
            fired.add_column(column, justify="right")
        for row in tally.rows():
            fired.add_row(row.rule_id, *(f"{n:,}" for n in (row.transfers, row.held, row.flagged, len(row.accounts))))
        Console(width=max(100, Console().width)).print(fired)
