"""`aml watchlists load | diff | show`, driven through Typer's test runner on a temporary store."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from services.watchlists.cli import watchlists_app
from services.watchlists.loading import WatchlistStore

FIXTURES = Path(__file__).parents[1] / "fixtures" / "watchlists"
runner = CliRunner()


def _run(*args: str | Path) -> tuple[int, str]:
    result = runner.invoke(watchlists_app, [str(a) for a in args])
    return result.exit_code, result.output


def test_load_then_show_then_reload_reports_the_diff(tmp_path: Path, shared_data: Path) -> None:
    code, out = _run("load", shared_data / "un-consolidated" / "UN_consolidated.xml", "--format", "un",
                     "--dir", tmp_path)
    assert code == 0, out
    assert re.search(r"un-sc: 1003 entries, version wl-[0-9a-f]{16} \(was nothing\)", out)
    assert "+1003 added, -0 removed, ~0 changed" in out
    code, out = _run("load", FIXTURES / "custom_list.csv", "--format", "csv", "--dir", tmp_path)
    assert code == 0 and "custom: 3 entries" in out
    code, out = _run("show", "--dir", tmp_path, "--json")
    shown = json.loads(out)
    assert {name: part["counts"] for name, part in shown["lists"].items()} == {
        "custom": {"custom": 3}, "un-sc": {"un-sc": 1003}}
    assert shown["version"] == WatchlistStore(tmp_path).current_snapshot().version
    code, out = _run("load", FIXTURES / "custom_list.csv", "--format", "csv", "--dir", tmp_path)
    assert "+0 added, -0 removed, ~0 changed" in out
    code, out = _run("show", "--dir", tmp_path)
    assert code == 0 and "un-sc" in out and "combined version wl-" in out


def test_a_bad_source_file_is_reported_and_leaves_the_store_alone(tmp_path: Path) -> None:
    code, out = _run("load", FIXTURES / "custom_list_bad.csv", "--format", "csv", "--dir", tmp_path / "store")
    assert code == 2
    assert "custom_list_bad.csv" in out and "line 3: entry_id is empty" in out
    assert not (tmp_path / "store" / "current.json").exists()
    code, out = _run("load", tmp_path / "missing.csv", "--format", "csv", "--dir", tmp_path / "store")
    assert code == 2 and "no such file" in out


def test_show_on_an_empty_store_says_so(tmp_path: Path) -> None:
    code, out = _run("show", "--dir", tmp_path)
    assert code == 0 and "no watchlist loaded" in out


def test_diff_of_two_source_files_and_of_two_snapshots(tmp_path: Path) -> None:
    newer = tmp_path / "custom_list.csv"
    lines = (FIXTURES / "custom_list.csv").read_text().splitlines()
    # Drop EX-002, rename EX-003, add EX-004.
    lines = [ln for ln in lines if not ln.startswith("EX-002")]
    lines = [ln.replace("Mohammad Misal", "Muhammad Misal") for ln in lines] + ["EX-004,New Person,,,,,,,,x"]
    newer.write_text("\n".join(lines) + "\n")
    code, out = _run("diff", FIXTURES / "custom_list.csv", newer, "--format", "csv", "--json")
    assert code == 0, out
    summary = json.loads(out)
    assert (summary["added"], summary["removed"], summary["changed"]) == (1, 1, 1)
    assert summary["added_keys"] == ["custom:EX-004"] and summary["removed_keys"] == ["custom:EX-002"]

    store = tmp_path / "store"
    _run("load", FIXTURES / "custom_list.csv", "--format", "csv", "--dir", store)
    _run("load", newer, "--format", "csv", "--dir", store)
    parts = sorted((store / "parts" / "custom").glob("*.parquet"))
    assert len(parts) == 2
    current = json.loads((store / "current.json").read_text())["custom"]
    old, new = store / str(current["previous"]), store / str(current["file"])
    code, out = _run("diff", old, new)
    assert code == 0 and "+1 added, -1 removed, ~1 changed" in out and "+ custom:EX-004" in out
    assert "~ custom:EX-003" in out and "(names)" in out


def test_diff_of_a_file_that_is_not_a_snapshot_asks_for_a_format(tmp_path: Path) -> None:
    code, out = _run("diff", FIXTURES / "custom_list.csv", FIXTURES / "custom_list.csv")
    assert code == 2 and "give --format" in out
