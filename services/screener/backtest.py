"""Offline screening (`aml screen`): a file of transfers in, one decision per transfer out.

It runs exactly the streaming code path (`domain.decide.screen` with the same context and
graph), in the same event-time order (`domain.order.event_order`), so a backtest decision is
the decision the stream would have made for that transfer.
"""

from __future__ import annotations

import gc
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import orjson
import polars as pl
import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from schemas import Decision, Party, TransferEvent
from schemas.common import utc_now
from schemas.flat import PARTY_FIELDS, REQUIRED, ROLES, check_columns, column_of, to_event
from schemas.transfer import IdType
from services.screener.adapters.lists import from_store
from services.screener.bootstrap import build_context, load_jurisdictions, load_policy
from services.screener.domain.construct import built
from services.screener.domain.decide import Policy, invalid_transfer_hold, screen
from services.screener.domain.name_policy import match_config
from services.screener.domain.order import event_order
from services.screener.domain.rules import ScreeningContext
from services.screener.domain.watchlist import WatchlistSnapshot
from services.screener.rule_tally import RuleTally
from services.watchlists.loading import NoWatchlistsLoaded

DEFAULTS = {"exchange_id": "backtest", "chain": "unspecified"}
SHOWN_BAD_ROWS = 20
"""`aml screen` names at most this many invalid rows (each is held if it names its transfer)."""
OUTPUT_COLUMNS = ("transfer_id", "action", "score", "reasons", "subjects")


@dataclass(frozen=True, slots=True)
class BadRow:
    """A row that failed validation: where it is, the transfer it names (if any) and what is wrong."""

    row: int
    """0-based position among the file's data rows (the header not counted)."""
    transfer_id: str | None
    problem: str


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


def read_frame(path: Path) -> pl.DataFrame:
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        frame = pl.read_parquet(path)
        return frame.with_columns(pl.all().cast(pl.String))
    if suffix in (".ndjson", ".jsonl"):
        return pl.read_ndjson(path).with_columns(pl.all().cast(pl.String))
    return pl.read_csv(path, infer_schema=False)


def parse_rows(rows: Iterable[dict[str, Any]], first: int = 0) -> tuple[list[TransferEvent], list[BadRow]]:
    """Valid events, and every row that failed validation (numbered from `first`)."""
    events: list[TransferEvent] = []
    bad: list[BadRow] = []
    for number, row in enumerate(rows, first):
        try:
            events.append(to_event(row, DEFAULTS))
        except ValidationError as exc:
            problem = "; ".join(f"{column_of(tuple(e['loc']))}: {e['msg']}" for e in exc.errors(include_url=False))
            transfer_id = row.get("transfer_id")
            named = transfer_id if isinstance(transfer_id, str) and transfer_id.strip() else None
            bad.append(BadRow(number, named, problem))
    return events, bad


# Bulk parsing. `to_event` validates one row at a time with pydantic, which costs more than
# screening the transfer. Most rows of a real file are plain: every cell is blank or in a shape
# that pydantic certainly accepts, and converts to a value that is easy to compute. Polars
# checks those shapes for the whole frame at once, and those rows become models directly,
# holding exactly the values (and fields set) validation would give them. Every other row,
# including every row that would fail, still goes through `to_event`, so bad rows are reported
# exactly as before. tests/screener/test_backtest_parse.py compares both paths row by row.

_BLANK = r"^[\s\x1c-\x1f]*$"
"""A cell `flat._blank` treats as absent: Python's `str.strip()` removes Unicode White_Space and \\x1c-\\x1f."""
_IDENTIFIER = r"^[!-~]([ -~]{0,126}[!-~])?$"
"""Printable ASCII without surrounding spaces, at most 128 characters: always a valid `Identifier`."""
_INSTANT = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
)
_DAY = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_AMOUNT = r"^[0-9]{1,20}(\.[0-9]{1,18})?$"
"""At most 38 digits, 18 after the point (a non-zero digit is checked too): a valid `PositiveAmount`."""


def _plain(kind: str, column: pl.Expr) -> pl.Expr:
    """Whether a non-blank cell has a shape validation accepts whatever else the row holds."""
    if kind == "id":
        return column.str.contains(_IDENTIFIER)
    if kind.startswith("text"):  # any text up to a length; non-blank is checked by the caller
        return column.str.len_chars() <= int(kind.removeprefix("text"))
    if kind == "instant":
        return column.str.contains(_INSTANT)
    if kind == "amount":
        return column.str.contains(_AMOUNT) & column.str.contains("[1-9]")
    if kind == "currency":
        return column.str.contains(r"^[A-Z]{3}$")
    if kind == "country":
        return column.str.contains(r"^[A-Z]{2}$")
    if kind == "id_type":
        return column.is_in([t.value for t in IdType])
    if kind == "day":
        return column.str.contains(_DAY)
    if kind == "bool":
        return column.is_in(["true", "false"])
    raise ValueError(kind)


_TOP_KINDS = {
    "transfer_id": "id",
    "occurred_at": "instant",
    "exchange_id": "id",
    "asset": "text32",
    "chain": "text32",
    "amount": "amount",
    "fiat_value": "amount",
    "fiat_currency": "currency",
}
_PARTY_KINDS = {
    "account": "id",
    "wallet": "text128",
    "name": "text300",
    "country": "country",
    "id_number": "text64",
    "id_type": "id_type",
    "dob": "day",
    "vasp": "id",
    "hosted": "bool",
}
_REPEATED = ("exchange_id", "asset", "chain", "fiat_currency")
_KINDS = _TOP_KINDS | {f"{role}_{suffix}": kind for role in ROLES for suffix, kind in _PARTY_KINDS.items()}


def _instant(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text).astimezone(UTC)
    except ValueError:
        return None


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _convert(kind: str, values: list[Any], failed: set[int]) -> list[Any]:
    """Cells of plain rows (None when blank) as validation converts them; adds rows whose date did not convert."""
    if kind in ("instant", "day"):
        parse = _instant if kind == "instant" else _day
        out: list[Any] = []
        for position, value in enumerate(values):
            converted = None if value is None else parse(value)
            if value is not None and converted is None:
                failed.add(position)  # e.g. 2026-02-30: to_event reports it
            out.append(converted)
        return out
    if kind == "amount":
        return [None if v is None else Decimal(v) for v in values]
    if kind == "bool":
        return [None if v is None else v == "true" for v in values]
    if kind == "id_type":
        return [None if v is None else IdType(v) for v in values]
    return values


def parse_frame(
    frame: pl.DataFrame, defaults: Mapping[str, str] = DEFAULTS
) -> tuple[list[TransferEvent], list[BadRow]]:
    """`parse_rows` over a whole frame of text columns (flat form, checked with `check_columns`), in bulk."""
    with collector_paused():
        return _parse_frame(frame, defaults)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector. For bulk work that makes hundreds of thousands of objects,
    none in a reference cycle (events, decisions): the collector would only re-scan them over and
    over, a fifth of the time of a backtest. Reference counting still frees everything.

    On the way out the objects made meanwhile are frozen (moved where the collector never looks),
    or the first collection after the pause would scan every one of them at once (0.3 s for a
    120k-transfer file)."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.freeze()
            gc.enable()


def _parse_frame(frame: pl.DataFrame, defaults: Mapping[str, str]) -> tuple[list[TransferEvent], list[BadRow]]:
    columns = [c for c in frame.columns if c in _KINDS]
    blank = {c: pl.col(c).is_null() | pl.col(c).str.contains(_BLANK) for c in columns}
    plain = [blank[c] | _plain(_KINDS[c], pl.col(c)) for c in columns]
    present = {c: ~blank[c] if c in blank else pl.lit(False) for c in (*_KINDS, *REQUIRED)}
    plain += [present[c] for c in REQUIRED]
    plain.append(present["fiat_value"] == present["fiat_currency"])
    plain += [~present[f"{role}_id_number"] | present[f"{role}_id_type"] for role in ROLES]
    checked = frame.select(
        pl.all_horizontal(plain).alias("_plain"),
        *(pl.when(blank[c]).then(None).otherwise(pl.col(c)).alias(c) for c in columns),
    )
    is_plain = checked["_plain"].to_list()
    rows = [i for i, ok in enumerate(is_plain) if ok]
    cells = checked.filter(pl.col("_plain"))
    failed: set[int] = set()
    values = {
        c: _convert(_KINDS[c], cells[c].to_list(), failed)
        for c in columns
        if cells[c].null_count() < cells.height  # a column blank in every plain row adds nothing
    }
    built = (
        {rows[p]: event for p, event in enumerate(_events(values, len(rows), defaults)) if p not in failed}
        if rows
        else {}
    )
    events: list[TransferEvent] = []
    bad: list[BadRow] = []
    others = [i for i in range(frame.height) if i not in built]
    slow = iter(frame[others].iter_rows(named=True)) if others else iter(())
    for i in range(frame.height):
        event = built.get(i)
        if event is not None:
            events.append(event)
            continue
        parsed, problems = parse_rows([next(slow)], i)
        events += parsed
        bad += problems
    return events, bad


def _events(values: dict[str, list[Any]], count: int, defaults: Mapping[str, str]) -> list[TransferEvent]:
    """Models for plain rows (rows whose date or time did not convert are dropped by the caller)."""
    none: list[Any] = [None] * count
    top = {name: values.get(name, none) for name in _TOP_KINDS}
    for name in _REPEATED:
        # A file names a handful of exchanges, assets, chains and currencies: one string object each.
        seen: dict[Any, Any] = {}
        top[name] = [seen.setdefault(v, v) for v in top[name]]
    parties = [_parties(role, values) for role in ROLES]
    set_always = {"transfer_id", "occurred_at", "asset", "amount", "originator", "beneficiary", *defaults}
    exchange_default, chain_default = defaults.get("exchange_id"), defaults.get("chain")
    # Models are frozen, so rows with the same fields set can share one set (pydantic copies it on
    # `model_copy`): it is the largest part of a model, half a kilobyte.
    shared: dict[tuple[bool, bool, bool], set[str]] = {}
    out: list[TransferEvent] = []
    for transfer_id, at, exchange, asset, chain, amount, fiat_value, fiat_currency, originator, beneficiary in zip(
        top["transfer_id"],
        top["occurred_at"],
        top["exchange_id"],
        top["asset"],
        top["chain"],
        top["amount"],
        top["fiat_value"],
        top["fiat_currency"],
        *parties,
        strict=True,
    ):
        # Field order and defaults as TransferEvent declares them (a test compares with validation).
        fields = {
            "schema_version": 1,
            "transfer_id": transfer_id,
            "occurred_at": at,
            "exchange_id": exchange if exchange is not None else exchange_default,
            "asset": asset,
            "chain": chain if chain is not None else chain_default,
            "amount": amount,
            "fiat_value": fiat_value,
            "fiat_currency": fiat_currency,
            "originator": originator,
            "beneficiary": beneficiary,
        }
        key = (exchange is not None, chain is not None, fiat_value is not None)
        fields_set = shared.get(key)
        if fields_set is None:
            fields_set = shared[key] = set(set_always)
            if exchange is not None:
                fields_set.add("exchange_id")
            if chain is not None:
                fields_set.add("chain")
            if fiat_value is not None:
                fields_set.add("fiat_value")
                fields_set.add("fiat_currency")
        out.append(built(TransferEvent, fields, fields_set))
    return out


def _parties(role: str, values: dict[str, list[Any]]) -> list[Party]:
    """One role's parties of the plain rows. Equal parties share one (frozen) model: an account
    appears in many transfers, and building it once saves most of the work."""
    optional = [
        (name, values[f"{role}_{suffix}"])
        for suffix, name in PARTY_FIELDS.items()
        if suffix != "account" and f"{role}_{suffix}" in values
    ]
    names = [name for name, _ in optional]
    seen: dict[tuple[Any, ...], Party] = {}
    out: list[Party] = []
    for key in zip(values[f"{role}_account"], *(column for _, column in optional), strict=True):
        party = seen.get(key)
        if party is None:
            # Field order and defaults as Party declares them (a test compares with validation).
            fields = {
                "account_id": key[0],
                "wallet_address": None,
                "name": None,
                "country": None,
                "id_number": None,
                "id_type": None,
                "date_of_birth": None,
                "vasp_id": None,
                "hosted": True,
            }
            fields_set = {"account_id"}
            for name, value in zip(names, key[1:], strict=True):
                if value is not None:
                    fields[name] = value
                    fields_set.add(name)
            party = seen[key] = built(Party, fields, fields_set)
        out.append(party)
    return out


ProgressReport = Callable[[int, int], None]
"""Told (transfers screened so far, transfers in all) every `PROGRESS_STEP` transfers and at the end."""
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
) -> Iterator[Decision]:
    """`run`, one decision at a time. Takes over `transfers` (it is left empty) and lets each transfer
    go once screened, so a caller that writes decisions out as they come holds the file only once."""
    now = utc_now()
    transfers.sort(key=event_order)
    queue = deque(transfers)
    transfers.clear()
    total, done = len(queue), 0
    with collector_paused():
        while queue:
            yield screen(queue.popleft(), context, policy, now)
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
    """Parse and screen a file. With `sink`, each decision goes to it as it is made and none is kept
    (`Backtest.decisions` stays empty): a long file is then held in memory once, as transfers."""
    frame = read_frame(path)
    check_columns(frame.columns)
    started, started_cpu = time.perf_counter(), time.process_time()
    events, bad = parse_frame(frame)
    parsed, parsed_cpu = time.perf_counter(), time.process_time()
    now = utc_now()
    located = list(zip(where(path, frame, [b.row for b in bad]), bad, strict=True))
    del frame
    kept: list[Decision] = []
    give = kept.append if sink is None else sink
    for decision in decisions_of(events, context, policy, progress):
        give(decision)
    for place, b in located:
        if b.transfer_id is not None:
            give(invalid_transfer_hold(b.transfer_id, f"{place}: {b.problem}", context, policy, now))
    return Backtest(
        kept,
        located,
        seconds=time.perf_counter() - started,
        parse_seconds=parsed - started,
        cpu_seconds=time.process_time() - started_cpu,
        parse_cpu_seconds=parsed_cpu - started_cpu,
    )


def where(path: Path, frame: pl.DataFrame, rows: Sequence[int]) -> list[str]:
    """Where each data row (0-based) is in the file, as an editor shows it: "line N" for CSV and
    NDJSON, "row N" for Parquet. A CSV cell may hold line breaks, so earlier rows' breaks count."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return [f"row {row + 1}" for row in rows]
    if suffix in (".ndjson", ".jsonl"):
        return [f"line {row + 1}" for row in rows]
    if not rows:
        return []
    # Line breaks inside the rows before each row: one pass over the frame, whatever the number of rows.
    per_row = frame.select(pl.sum_horizontal(pl.all().str.count_matches("\n").fill_null(0))).to_series()
    before = per_row.cum_sum().shift(1, fill_value=0).to_list()
    return [f"line {row + 2 + before[row]}" for row in rows]  # line 1 is the header


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


def write_rows(rows: Sequence[dict[str, Any]], path: Path) -> None:
    """Decision rows (`decision_row`) to CSV, Parquet or NDJSON, by the file's suffix."""
    frame = pl.DataFrame(rows, schema=dict.fromkeys(OUTPUT_COLUMNS, pl.String) | {"score": pl.Float64})
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

        # Decisions become output rows (and counts) as they are made: a row is a fraction of a decision.
        rows: list[dict[str, Any]] = []
        tally = RuleTally()

        def keep(decision: Decision) -> None:
            rows.append(decision_row(decision))
            tally.add(decision)

        result = screen_file(input_path, context, policy, report, keep)
    write_rows(rows, output)
    for place, bad in result.bad[:SHOWN_BAD_ROWS]:
        fate = f"transfer {bad.transfer_id} held" if bad.transfer_id else "no transfer id, so no decision"
        typer.echo(f"{input_path}:{place}: {bad.problem} ({fate})", err=True)
    if len(result.bad) > SHOWN_BAD_ROWS:
        typer.echo(f"... and {len(result.bad) - SHOWN_BAD_ROWS} more invalid rows", err=True)
    counts = tally.actions
    rate = len(rows) / result.seconds if result.seconds else 0.0
    typer.echo(
        f"{len(rows)} decisions ({counts['allow']} allow, {counts['flag']} flag, {counts['hold']} hold), "
        f"{len(result.bad)} invalid rows, policy {policy.version}, {rate:,.0f} transfers/s"
    )
    if tally.rules:
        table = Table("rule", title="Rules that fired")
        for column in ("transfers", "held", "flagged", "accounts named"):
            table.add_column(column, justify="right")
        for row in tally.rows():
            table.add_row(row.rule_id, *(f"{n:,}" for n in (row.transfers, row.held, row.flagged, len(row.accounts))))
        Console(width=max(100, Console().width)).print(table)
