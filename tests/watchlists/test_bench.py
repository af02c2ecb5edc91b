"""`aml bench names`: runs on the shared lists and reports the figures the README table quotes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from services.watchlists.bench import bench_names, percentile

app = typer.Typer()
app.command("names")(bench_names)
app.command("other")(lambda: None)  # two commands keep `names` a sub-command, as under `aml bench`


def test_percentile_is_nearest_rank() -> None:
    ordered = [float(i) for i in range(1, 101)]
    assert percentile(ordered, 0.99) == 99.0
    assert percentile(ordered, 0.50) == 50.0
    assert percentile([], 0.99) == 0.0


def test_missing_data_exits_with_a_clear_message(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["names", "--data", str(tmp_path), "--queries", "5"])
    assert result.exit_code == 2
    assert "shared evaluation data not found" in result.output


@pytest.mark.slow
def test_bench_names_reports_speed_on_the_combined_lists(shared_data: Path) -> None:
    result = CliRunner().invoke(app, ["names", "--data", str(shared_data), "--queries", "200"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["queries"] == 200
    assert report["entries"] > 20000 and report["names_indexed"] > 60000
    assert report["queries_per_s"] > 0 and 0 < report["p50_ms"] <= report["p99_ms"] <= report["max_ms"]
    assert report["queries_with_hit"] > 0  # the UN positives among the queries are found
    assert report["machine"]["cores"] >= 1 and report["peak_rss_mib"] > 0
