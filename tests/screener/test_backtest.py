"""`aml screen`: a flat file in, one decision per transfer out, through the streaming code path."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import typer
from typer.testing import CliRunner

from schemas import Decision
from schemas.common import utc_now
from schemas.flat import from_event
from services.screener.adapters.lists import excerpt_snapshot, load_watchlist
from services.screener.backtest import run, screen_command, watchlist_from
from services.screener.bootstrap import build_context, load_jurisdictions, load_policy
from services.watchlists.loading import WatchlistStore
from tests.screener.crafted import stream


def _write(path: Path, shuffled: bool = False) -> None:
    rows = [from_event(t) for t in stream()]
    if shuffled:
        random.Random(4).shuffle(rows)
    pl.DataFrame(rows).write_csv(path)


def test_aml_screen_writes_one_decision_per_transfer_with_reasons_and_subjects(tmp_path: Path) -> None:
    app = typer.Typer()
    app.command()(screen_command)
    _write(tmp_path / "in.csv", shuffled=True)
    WatchlistStore(tmp_path / "lists").install(excerpt_snapshot())
    args = [str(tmp_path / "in.csv"), "-o", str(tmp_path / "out.csv"), "--watchlists", str(tmp_path / "lists")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    out = pl.read_csv(tmp_path / "out.csv")
    assert out.columns == ["transfer_id", "action", "score", "reasons", "subjects"]
    assert out.height == len(stream())
    rows = {r["transfer_id"]: r for r in out.iter_rows(named=True)}
    closing = next(t.transfer_id for t in stream() if t.originator.account_id == "ring-c")
    cycle = json.loads(rows[closing]["reasons"])  # ring-c also passed on what it got: pass-through
    assert cycle[0]["rule_id"] == "graph.cycle"
    assert cycle[0]["evidence"]["ring"] == ["ring-a", "ring-b", "ring-c"]
    assert set(json.loads(rows[closing]["subjects"])) == {"ring-a", "ring-b", "ring-c"}
    listed = rows[next(t.transfer_id for t in stream() if t.originator.account_id == "bad")]
    assert listed["action"] == "hold" and "sanctions.wallet" in listed["reasons"]
    assert "decisions (" in result.output and "policy-" in result.output
    assert f", watchlist {watchlist_from(tmp_path / 'lists').version}, " in result.output  # what to rerun with
    cycles = sum(1 for r in out.iter_rows(named=True) if "graph.cycle" in r["reasons"])
    assert cycles >= 1 and re.search(rf"graph\.cycle\s*│\s*{cycles}\s*│", result.output), result.output
    stale = load_jurisdictions().staleness(utc_now().date())
    assert ("warning: the FATF jurisdiction lists are as of" in result.output) == (stale is not None)


def test_file_order_does_not_matter_because_screening_follows_event_time() -> None:
    policy = load_policy()
    watchlist = load_watchlist()
    events = stream()
    shuffled = list(events)
    random.Random(9).shuffle(shuffled)
    first = run(events, build_context(policy, watchlist), policy)
    second = run(shuffled, build_context(policy, watchlist), policy)
    key = [(d.transfer_id, d.action, d.reasons) for d in first]
    assert key == [(d.transfer_id, d.action, d.reasons) for d in second]
    assert {d.action for d in first} == {"allow", "flag", "hold"}


@pytest.mark.parametrize("suffix", [".csv", ".ndjson", ".parquet"])
def test_aml_screen_names_each_invalid_row_by_its_place_in_the_file_and_holds_it(tmp_path: Path, suffix: str) -> None:
    rows = [from_event(t) for t in stream()[:6]]
    rows[1] = rows[1] | {"originator_name": "Line\nBreak\nInside"}  # two breaks inside a quoted CSV cell
    rows[3] = rows[3] | {"amount": "-5"}
    rows[4] = rows[4] | {"transfer_id": "", "occurred_at": "yesterday"}
    frame = pl.DataFrame(rows)
    source = tmp_path / f"in{suffix}"
    {".csv": frame.write_csv, ".ndjson": frame.write_ndjson, ".parquet": frame.write_parquet}[suffix](source)
    WatchlistStore(tmp_path / "lists").install(excerpt_snapshot())
    app = typer.Typer()
    app.command()(screen_command)
    args = [str(source), "-o", str(tmp_path / "out.csv"), "--watchlists", str(tmp_path / "lists")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    # Data rows 4 and 5: CSV lines 7 and 8 (header, then two extra lines from the cell above).
    first, second = {".csv": ("line 7", "line 8"), ".ndjson": ("line 4", "line 5"), ".parquet": ("row 4", "row 5")}[
        suffix
    ]
    held_id = rows[3]["transfer_id"]
    assert f"{source}:{first}: amount: Input should be greater than 0 (transfer {held_id} held)" in result.output
    assert f"{source}:{second}: transfer_id:" in result.output and "no transfer id, so no decision" in result.output
    # The name with line breaks is refused too (no control characters in names), where it starts.
    broken = {".csv": "line 3", ".ndjson": "line 2", ".parquet": "row 2"}[suffix]
    assert f"{source}:{broken}: originator_name: Value error, text must not contain control" in result.output
    assert "5 decisions" in result.output and "3 invalid rows" in result.output
    out = {r["transfer_id"]: r for r in pl.read_csv(tmp_path / "out.csv").iter_rows(named=True)}
    (reason,) = json.loads(out[held_id]["reasons"])
    assert out[held_id]["action"] == "hold" and reason["rule_id"] == "system.invalid_transfer"
    assert reason["evidence"]["problem"].startswith(f"{first}: amount:")


def test_aml_screen_without_loaded_lists_refuses_to_run(tmp_path: Path) -> None:
    app = typer.Typer()
    app.command()(screen_command)
    _write(tmp_path / "in.csv", shuffled=False)
    (tmp_path / "empty").mkdir()
    args = [str(tmp_path / "in.csv"), "-o", str(tmp_path / "out.csv"), "--watchlists", str(tmp_path / "empty")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    assert "aml watchlists load" in result.output
    assert not (tmp_path / "out.csv").exists()


def test_a_long_run_reports_progress_and_the_same_decisions() -> None:
    from services.screener.backtest import PROGRESS_STEP

    policy = load_policy()
    events = stream()
    events = [e.model_copy(update={"transfer_id": f"{e.transfer_id}-{n}"}) for n in range(3) for e in events]
    while len(events) <= PROGRESS_STEP:
        events += [e.model_copy(update={"transfer_id": f"{e.transfer_id}+"}) for e in events]
    told: list[tuple[int, int]] = []
    quiet = run(events, build_context(policy, load_watchlist()), policy)
    reported = run(events, build_context(policy, load_watchlist()), policy, lambda n, of: told.append((n, of)))
    assert [(d.transfer_id, d.action, d.reasons) for d in reported] == [
        (d.transfer_id, d.action, d.reasons) for d in quiet
    ]
    assert told[0] == (PROGRESS_STEP, len(events)) and told[-1] == (len(events), len(events))
    assert len(told) == -(-len(events) // PROGRESS_STEP)


def test_with_a_sink_decisions_are_handed_over_as_made_and_not_kept(tmp_path: Path) -> None:
    from services.screener.backtest import screen_file

    _write(tmp_path / "in.csv", shuffled=True)
    policy = load_policy()
    kept = screen_file(tmp_path / "in.csv", build_context(policy, load_watchlist()), policy)
    handed: list[Decision] = []
    streamed = screen_file(tmp_path / "in.csv", build_context(policy, load_watchlist()), policy, sink=handed.append)
    assert streamed.decisions == [] and len(handed) == len(stream())
    assert [(d.transfer_id, d.action, d.reasons) for d in handed] == [
        (d.transfer_id, d.action, d.reasons) for d in kept.decisions
    ]


def test_a_file_screened_a_few_rows_at_a_time_gives_the_decisions_of_the_whole_in_event_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.screener import backtest
    from services.screener.backtest import screen_file

    _write(tmp_path / "in.csv", shuffled=True)
    policy = load_policy()
    whole = run(stream(), build_context(policy, load_watchlist()), policy)
    monkeypatch.setattr(backtest, "PARSE_SLICE", 3)
    told: list[tuple[int, int]] = []
    sliced = screen_file(
        tmp_path / "in.csv", build_context(policy, load_watchlist()), policy, lambda n, of: told.append((n, of))
    )
    assert [(d.transfer_id, d.action, d.reasons) for d in sliced.decisions] == [
        (d.transfer_id, d.action, d.reasons) for d in whole
    ]
    assert told[0] == (3, len(stream())) and told[-1] == (len(stream()), len(stream()))


def _screen(tmp_path: Path, source: Path) -> Any:
    WatchlistStore(tmp_path / "lists").install(excerpt_snapshot())
    app = typer.Typer()
    app.command()(screen_command)
    args = [str(source), "-o", str(tmp_path / "out.csv"), "--watchlists", str(tmp_path / "lists")]
    return CliRunner().invoke(app, args)


def test_nested_ndjson_events_screen_as_their_flat_rows_do(tmp_path: Path) -> None:
    lines = [t.model_dump_json() for t in stream()]
    lines.insert(2, "")  # a blank line: later rows keep their own line numbers
    broken = json.loads(lines[4])
    broken["amount"] = "-5"
    lines[4] = json.dumps(broken)
    (tmp_path / "in.ndjson").write_text("\n".join(lines) + "\n")
    result = _screen(tmp_path, tmp_path / "in.ndjson")
    assert result.exit_code == 0, result.output
    assert f"in.ndjson:line 5: amount: Input should be greater than 0 (transfer {broken['transfer_id']} held)" in (
        result.output
    )
    nested = {r["transfer_id"]: r for r in pl.read_csv(tmp_path / "out.csv").iter_rows(named=True)}
    _write(tmp_path / "in.csv")
    assert _screen(tmp_path, tmp_path / "in.csv").exit_code == 0
    flat = {r["transfer_id"]: r for r in pl.read_csv(tmp_path / "out.csv").iter_rows(named=True)}
    del flat[broken["transfer_id"]], nested[broken["transfer_id"]]
    assert nested == flat and len(flat) == len(stream()) - 1


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.csv", b"transfer_id,occurred_at\nt1,2026-01-01T00:00:00Z\n", "missing required column(s): "),
        ("odd.csv", b"transfer_id,occurred_at,colour\n", "unknown column(s): colour"),
        ("lines.ndjson", b'{"transfer_id": "t1"}\n\n{"transfer_id": \n', "line 3: invalid JSON: "),
        ("array.ndjson", b"[1, 2]\n", "line 1: a line must be a JSON object, not list"),
        ("broken.parquet", b"\x00\x01 not parquet", "cannot read as Parquet: "),
    ],
)
def test_an_unreadable_file_is_refused_naming_it_and_the_problem(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    (tmp_path / name).write_bytes(content)
    result = _screen(tmp_path, tmp_path / name)
    assert result.exit_code == 1
    assert f"aml screen: {tmp_path / name}: " in result.output and message in result.output
    assert "Traceback" not in result.output and not (tmp_path / "out.csv").exists()
