"""The README's demo command, run as a user runs it, on its own embedded broker."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from services.demo import scenarios

pytestmark = [pytest.mark.kafka, pytest.mark.slow]


def test_demo_once_reports_one_decision_per_transfer_and_a_consistent_ledger(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "KAFKA_BOOTSTRAP_SERVERS"}
    done = subprocess.run(
        [sys.executable, "-m", "services.cli", "demo", "--transfers", "2000", "--once", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=tmp_path,  # the demo's data directory, ./aml-data, lands here
    )
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    decisions, ledger = summary["decisions"], summary["ledger_before_triage"]
    assert summary["transfers"] == 2000
    assert sum(decisions.values()) == 2000 and summary["undecided"] == 0
    assert summary["conflicting_decisions"] == 0
    assert summary["listed_wallet_transfers"] > 0 and summary["listed_wallet_not_held"] == 0
    assert decisions["hold"] >= summary["listed_wallet_transfers"]
    assert ledger["settled"] == decisions["allow"] + decisions["flag"]
    assert ledger["escrowed"] == decisions["hold"]
    assert ledger["pending"] == 0
    assert summary["dead_letters"] == 0
    # The planted scenarios went through ingest, Kafka (the graph tail included) and the screener
    # process, and each got the action and the rule it names.
    assert len(summary["scenarios"]) == len(scenarios.build(random.Random(0), "t", "x", "0x" + "1" * 40))
    assert summary["scenarios_missed"] == [], summary["scenarios"]
    assert all(row["caught"] for row in summary["scenarios"].values())
    assert summary["latency_ms"]["p50"] is not None and summary["latency_ms"]["p99"] >= summary["latency_ms"]["p50"]

    # The scripted officers worked cases through the case desk's API, and the ledger followed them.
    desk, after = summary["casedesk"], summary["ledger"]
    assert desk["not_done"] == [], desk["not_done"]
    assert desk["resolutions"] == {"release": 1, "reject": 1, "freeze": 1, "false_positive": 1, "str": 1}
    assert desk["cases"] >= 5 and desk["open"] < desk["cases"]
    # The false positive's party paid again and was not held for that entry: the suppression applied.
    assert desk["suppressed"] == 1 and desk["paid_again"]["action"] == "allow", desk["paid_again"]
    assert desk["paid_again"]["suppression"]
    assert after["returned"] >= ledger["returned"] + 1 and after["frozen"] >= ledger["frozen"] + 1
    assert after["settled"] >= ledger["settled"] + 1  # the release (and the false positive's held funds)
    assert after["escrowed"] < ledger["escrowed"]
    # What the demo left is where the commands look by default.
    check = subprocess.run(
        [sys.executable, "-m", "services.cli", "audit", "verify"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False, env=env,
    )
    assert check.returncode == 0 and "audit chain intact" in check.stdout, check.stdout + check.stderr
    assert summary["data_dir"] == str(tmp_path / "aml-data")
    # And the regulators' bulk exports, with no options but the output, from the same data.
    for fmt in ("csv", "parquet"):
        exported = subprocess.run(
            [sys.executable, "-m", "services.cli", "export", "--format", fmt, "-o", f"out-{fmt}"],
            cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False, env=env,
        )
        assert exported.returncode == 0, exported.stdout + exported.stderr
        assert f"cases: {desk['cases']} rows" in exported.stdout
        assert (tmp_path / f"out-{fmt}" / f"resolutions.{fmt}").exists()
