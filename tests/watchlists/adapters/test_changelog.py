"""The watchlist changelog on the real broker: versions, diffs, tombstones, idempotent publishing."""

from __future__ import annotations

import asyncio

import pytest

from schemas.watchlist import EntryName, EntryWallet, ListName, WatchlistCommit, WatchlistEntry
from services.broker import ensure_topics
from services.watchlists.adapters.changelog import ChangelogFollower, publish, read_state
from services.watchlists.snapshot import Snapshot, SnapshotDiff
from tests.support.kafka import unique_name

pytestmark = [pytest.mark.kafka, pytest.mark.asyncio]


def _entry(entry_id: str, name: str, wallet: str | None = None) -> WatchlistEntry:
    return WatchlistEntry(
        entry_id=entry_id, list_name=ListName.CUSTOM, names=(EntryName(full=name),),
        wallets=(EntryWallet(ticker="ETH", address=wallet),) if wallet else (),
    )


async def test_versions_reach_a_follower_with_their_diff(kafka_bootstrap: str) -> None:
    topic = unique_name("t.watchlists")
    await ensure_topics(kafka_bootstrap, {topic: 1}, configs={topic: {"cleanup.policy": "compact"}})
    v1 = Snapshot.build([_entry("1", "Alpha One"), _entry("2", "Beta Two")])
    commit, _ = await publish(kafka_bootstrap, topic, v1)
    assert commit is not None and commit.added == 2
    again, _ = await publish(kafka_bootstrap, topic, v1)
    assert again is None, "publishing the same version twice must send nothing"

    seen: list[tuple[str, SnapshotDiff | None]] = []
    got = asyncio.Event()

    async def on_version(snapshot: Snapshot, changes: SnapshotDiff | None, c: WatchlistCommit) -> None:
        seen.append((snapshot.version, changes))
        got.set()

    follower = ChangelogFollower(kafka_bootstrap, topic, on_version)
    await follower.start()
    try:
        await asyncio.wait_for(got.wait(), 30)
        assert seen == [(v1.version, None)]  # the version found at start-up: state, not news
        got.clear()
        v2 = Snapshot.build([_entry("1", "Alpha One", "0x" + "a" * 40), _entry("3", "Gamma Three")])
        commit2, _ = await publish(kafka_bootstrap, topic, v2)
        assert commit2 is not None and (commit2.added, commit2.changed, commit2.removed) == (1, 1, 1)
        await asyncio.wait_for(got.wait(), 30)
    finally:
        await follower.stop()
    version, changes = seen[-1]
    assert version == v2.version and changes is not None
    assert [e.entry_id for e in changes.added] == ["3"]
    assert [e.entry_id for e in changes.removed] == ["2"]
    assert [new.entry_id for _, new in changes.changed] == ["1"]
    state = await read_state(kafka_bootstrap, topic)
    assert state.snapshot().version == v2.version
