"""`aml bench ledger`: the synthetic workload and the command, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from schemas import Decision, TransferEvent
from services.ledger.bench import _percentile, bench_ledger
from services.ledger.bench_workload import build


def test_workload_is_seeded_and_exercises_every_path() -> None:
    first, again = build(2000, 100, prefix="x"), build(2000, 100, prefix="x")
    assert first == again
    records: list[TransferEvent | Decision] = []
    for batch in first.batches:
        records += [*batch.transfers, *batch.decisions]
    decisions = [r for r in records if isinstance(r, Decision)]
    assert sum(len(b.transfers) for b in first.batches) == first.transfers == 2000
    assert len(decisions) == first.decisions
    assert any(d.resolution is not None for d in decisions)
    assert len({d.decision_id for d in decisions}) < len(decisions), "some decisions are redelivered"
    seen: set[str] = set()
    early = 0
    for record in records:
        if isinstance(record, TransferEvent):
            seen.add(record.transfer_id)
        elif record.transfer_id not in seen:
            early += 1
    assert early > 0, "some decisions arrive before their transfer"
    assert max(len(b.transfers) + len(b.decisions) for b in first.batches) == 100


def _bench(*args: str) -> str:
    app = typer.Typer()
    app.command()(bench_ledger)
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _counts(output: str) -> str:
    return next(line for line in output.splitlines() if "redelivered" in line)


def test_bench_command_reports_throughput_latency_and_memory(database_url: str) -> None:
    url = [] if database_url.startswith("sqlite") else ["--database-url", database_url]
    first = _bench("--transfers", "300", "--batch", "100", *url)
    for label in ("transfers/s", "batch p50", "batch p99", "peak RSS", "applied"):
        assert label in first
    assert "waiting 0" not in first
    # A second run on the same database must not meet the first run's ids (PostgreSQL keeps
    # them; SQLite gets a fresh file): the same stream yields the same verdicts.
    second = _bench("--transfers", "300", "--batch", "100", *url)
    assert _counts(second) == _counts(first)


def test_percentiles_of_one_and_of_many_batches() -> None:
    assert _percentile([0.5], 99) == 0.5
    assert _percentile([], 50) == 0.0
    latencies = [i / 100 for i in range(1, 101)]
    assert _percentile(latencies, 50) == pytest.approx(0.505)
    assert _percentile(latencies, 99) <= max(latencies)
