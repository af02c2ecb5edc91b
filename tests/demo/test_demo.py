"""The README's demo command, run as a user runs it, on its own embedded broker."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys

import pytest

from services.demo import scenarios

pytestmark = [pytest.mark.kafka, pytest.mark.slow]


def test_demo_once_reports_one_decision_per_transfer_and_a_consistent_ledger() -> None:
    env = {k: v for k, v in os.environ.items() if k != "KAFKA_BOOTSTRAP_SERVERS"}
    done = subprocess.run(
        [sys.executable, "-m", "services.cli", "demo", "--transfers", "2000", "--once", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    decisions, ledger = summary["decisions"], summary["ledger"]
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
