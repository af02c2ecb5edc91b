"""`aml bench screen`: screens (part of) an AMLSim graph and prints its speed as JSON."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from services.screener.bench import bench_screen


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command()(bench_screen)
    return app


def test_bench_screen_reports_speed_split_memory_and_machine(shared_data: Path) -> None:
    data = shared_data / "aml-transactions"
    result = CliRunner().invoke(_app(), ["--limit", "1500", "--data", str(data)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output.strip().splitlines()[-1])
    assert report["graph"] == "20K_fanin200cycle200"
    assert report["transfers"] == report["decisions"] == 1500 and report["invalid"] == 0
    assert report["transfers_per_s"]["wall"] > 0 and report["transfers_per_s"]["cpu"] > 0
    assert set(report["seconds"]) == {"parse_wall", "parse_cpu", "screen_wall", "screen_cpu", "total_wall", "total_cpu"}
    assert report["peak_rss_mib"] > 0 and report["machine"]["cores"] >= 1 and report["machine"]["cpu"]


def test_bench_screen_says_where_it_looked_when_the_data_is_absent(tmp_path: Path) -> None:
    result = CliRunner().invoke(_app(), ["--data", str(tmp_path), "--graph", "20K_cycle200"])
    assert result.exit_code == 1
    assert "20K_cycle200" in result.output and "absent" in result.output and str(tmp_path) in result.output
