"""Offline screening (`aml screen`): a file of transfers in, one decision per transfer out.

It runs exactly the streaming code path (`domain.decide.screen` with the same context and
graph), in the same event-time order (`domain.order.event_order`), so a backtest decision is
the decision the stream would have made for that transfer.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import orjson
import polars as pl
import typer
from pydantic import ValidationError

from schemas import Decision, TransferEvent
from schemas.common import utc_now
from schemas.flat import check_columns, column_of, to_event
from services.screener.adapters.lists import from_store
from services.screener.bootstrap import build_context, load_policy
from services.screener.domain.decide import Policy, invalid_transfer_hold, screen
from services.screener.domain.name_policy import match_config
from services.screener.domain.order import event_order
from services.screener.domain.rules import ScreeningContext
from services.screener.domain.watchlist import WatchlistSnapshot
from services.watchlists.loading import NoWatchlistsLoaded

DEFAULTS = {"exchange_id": "backtest", "chain": "unspecified"}
OUTPUT_COLUMNS = ("transfer_id", "action", "score", "reasons", "subjects")


@dataclass
class Backtest:
    decisions: list[Decision] = field(default_factory=list)
    invalid: int = 0
    seconds: float = 0.0


def read_frame(path: Path) -> pl.DataFrame:
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        frame = pl.read_parquet(path)
        return frame.with_columns(pl.all().cast(pl.String))
    if suffix in (".ndjson", ".jsonl"):
        return pl.read_ndjson(path).with_columns(pl.all().cast(pl.String))
    return pl.read_csv(path, infer_schema=False)


def parse_rows(rows: Iterable[dict[str, Any]]) -> tuple[list[TransferEvent], list[tuple[str | None, str]]]:
    """Valid events, and (transfer id if any, problem) for every row that failed validation."""
    events: list[TransferEvent] = []
    bad: list[tuple[str | None, str]] = []
    for row in rows:
        try:
            events.append(to_event(row, DEFAULTS))
        except ValidationError as exc:
            problem = "; ".join(f"{column_of(tuple(e['loc']))}: {e['msg']}" for e in exc.errors(include_url=False))
            transfer_id = row.get("transfer_id")
            bad.append((transfer_id if isinstance(transfer_id, str) and transfer_id.strip() else None, problem))
    return events, bad


def run(transfers: Sequence[TransferEvent], context: ScreeningContext, policy: Policy) -> list[Decision]:
    """Screen in event-time order through the streaming code path."""
    now = utc_now()
    return [screen(t, context, policy, now) for t in sorted(transfers, key=event_order)]


def screen_file(path: Path, context: ScreeningContext, policy: Policy) -> Backtest:
    frame = read_frame(path)
    check_columns(frame.columns)
    started = time.perf_counter()
    events, bad = parse_rows(frame.iter_rows(named=True))
    now = utc_now()
    held = [invalid_transfer_hold(tid, problem, context, policy, now) for tid, problem in bad if tid is not None]
    decisions = run(events, context, policy) + held
    return Backtest(decisions, len(bad), time.perf_counter() - started)


def decision_row(decision: Decision) -> dict[str, Any]:
    reasons = [reason.model_dump(mode="json") for reason in decision.reasons]
    subjects = sorted({s for reason in decision.reasons for s in reason.subjects})
    return {
        "transfer_id": decision.transfer_id,
        "action": decision.action.value,
        "score": decision.score,
        "reasons": orjson.dumps(reasons).decode(),
        "subjects": orjson.dumps(subjects).decode(),
    }


def write_decisions(decisions: Sequence[Decision], path: Path) -> None:
    frame = pl.DataFrame(
        [decision_row(d) for d in decisions], schema=dict.fromkeys(OUTPUT_COLUMNS, pl.String) | {"score": pl.Float64}
    )
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
    try:
        context = build_context(policy, watchlist_from(watchlists, policy))
    except NoWatchlistsLoaded as exc:
        typer.echo(f"no lists to screen against: {exc}; run `aml watchlists load` first", err=True)
        raise typer.Exit(1) from exc
    result = screen_file(input_path, context, policy)
    write_decisions(result.decisions, output)
    counts = {a: sum(1 for d in result.decisions if d.action == a) for a in ("allow", "flag", "hold")}
    rate = len(result.decisions) / result.seconds if result.seconds else 0.0
    typer.echo(
        f"{len(result.decisions)} decisions ({counts['allow']} allow, {counts['flag']} flag, {counts['hold']} hold), "
        f"{result.invalid} invalid rows, policy {policy.version}, {rate:,.0f} transfers/s"
    )
