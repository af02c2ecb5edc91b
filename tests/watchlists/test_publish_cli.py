"""`aml watchlists publish` through Typer's test runner: warnings and failures are one line, never a traceback."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from typer.testing import CliRunner

from schemas.watchlist import EntryName, ListName, WatchlistEntry
from services.broker import ensure_topics
from services.watchlists.adapters.changelog import publish, read_state
from services.watchlists.cli import watchlists_app
from services.watchlists.loading import WatchlistStore
from services.watchlists.snapshot import Snapshot
from tests.support.kafka import unique_name

runner = CliRunner()


def _entry(entry_id: str, name: str) -> WatchlistEntry:
    return WatchlistEntry(entry_id=entry_id, list_name=ListName.CUSTOM, names=(EntryName(full=name),))


async def _published_then_broken(bootstrap: str, topic: str, first: Snapshot) -> int:
    """`first` published, then a record for custom:B that is not JSON; returns its offset."""
    await ensure_topics(bootstrap, {topic: 1}, configs={topic: {"cleanup.policy": "compact"}})
    await publish(bootstrap, topic, first)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        return int((await producer.send_and_wait(topic, b"not json", key=b"custom:B")).offset)
    finally:
        await producer.stop()


@pytest.mark.kafka
def test_publish_over_an_unreadable_record_warns_in_one_line_and_heals_it(kafka_bootstrap: str, tmp_path: Path) -> None:
    topic = unique_name("t.watchlists")
    v1 = Snapshot.build([_entry("A", "Alpha One"), _entry("B", "Beta Two")])
    bad = asyncio.run(_published_then_broken(kafka_bootstrap, topic, v1))
    v2 = Snapshot.build([*v1.entries, _entry("C", "Gamma Three")], sources=["test"], formats=["csv"])
    WatchlistStore(tmp_path).install(v2)

    result = runner.invoke(watchlists_app, ["publish", "--dir", str(tmp_path), "--bootstrap", kafka_bootstrap,
                                            "--topic", topic])

    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output and "validation error" not in result.output
    (warning,) = [line for line in result.output.splitlines() if line.startswith("warning:")]
    assert f"{topic} has 1 unreadable record(s): custom:B (offset {bad}: not a watchlist record: Invalid JSON" \
        in warning
    assert f"published {v2.version} (3 entries: +2 ~0 -0) to {topic}" in result.output  # B sent again, and C
    state = asyncio.run(read_state(kafka_bootstrap, topic))
    assert state.unreadable == {} and state.newest_complete and state.snapshot().version == v2.version


def test_publish_to_an_unreachable_broker_is_one_line_and_exit_code_1(tmp_path: Path) -> None:
    WatchlistStore(tmp_path).install(Snapshot.build([_entry("A", "Alpha One")], sources=["test"], formats=["csv"]))
    result = runner.invoke(watchlists_app, ["publish", "--dir", str(tmp_path), "--bootstrap", "127.0.0.1:1"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert len(lines) == 1 and lines[0].startswith("publish failed: KafkaConnectionError: Unable to bootstrap"), lines
