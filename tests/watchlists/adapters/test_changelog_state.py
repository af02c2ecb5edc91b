"""`ChangelogState` record by record, without a broker: bad records are remembered, never raised."""

from __future__ import annotations

from datetime import UTC, datetime

from schemas.watchlist import COMMIT_KEY, EntryName, ListName, WatchlistCommit, WatchlistEntry, WatchlistRecord
from services.watchlists.adapters.changelog import ChangelogState, describe_unreadable

NOT_JSON = b"\x00garbage"
NOT_A_RECORD = b'{"kind": "entry", "version": "v", "entry": {"entry_id": "B", "list_name": "custom"}}'


def _entry(entry_id: str, name: str) -> WatchlistEntry:
    return WatchlistEntry(entry_id=entry_id, list_name=ListName.CUSTOM, names=(EntryName(full=name),))


def _record(entry: WatchlistEntry) -> bytes:
    return WatchlistRecord(version="v", entry=entry).model_dump_json().encode()


def _commit(version: str) -> bytes:
    return WatchlistCommit(version=version, entries=0, published_at=datetime(2025, 1, 1, tzinfo=UTC)).model_dump_json(
    ).encode()


def _state_at_v1() -> ChangelogState:
    state = ChangelogState()
    state.read(b"custom:A", _record(_entry("A", "Alpha One")), 0)
    state.read(b"custom:B", _record(_entry("B", "Beta Two")), 1)
    state.read(COMMIT_KEY, _commit("v1"), 2)
    return state


def test_an_unparsable_value_is_remembered_with_its_offset_and_the_version_is_incomplete() -> None:
    state = _state_at_v1()
    assert state.read(b"custom:B", NOT_JSON, 3) is None
    assert state.unreadable["custom:B"].startswith("offset 3: not a watchlist record: Invalid JSON")
    commit = state.read(COMMIT_KEY, _commit("v2"), 4)
    assert commit is not None and commit.version == "v2"
    assert not state.newest_complete
    assert state.complete is not None and state.complete.commit.version == "v1"
    assert sorted(state.complete.entries) == ["custom:A", "custom:B"]
    assert sorted(state.entries) == ["custom:A"], "the unreadable key is left out, not kept at its old value"


def test_a_record_that_fails_validation_names_the_field_on_one_line() -> None:
    state = _state_at_v1()
    state.read(b"custom:B", NOT_A_RECORD, 3)
    assert state.unreadable == {"custom:B": "offset 3: not a watchlist record: entry.names: Field required"}
    assert describe_unreadable(state.unreadable) == (
        "1 unreadable record(s): custom:B (offset 3: not a watchlist record: entry.names: Field required)")


def test_a_later_good_record_or_tombstone_clears_the_key() -> None:
    state = _state_at_v1()
    state.read(b"custom:A", NOT_JSON, 3)
    state.read(b"custom:B", NOT_JSON, 4)
    state.read(b"custom:A", _record(_entry("A", "Alpha Again")), 5)
    state.read(b"custom:B", None, 6)
    assert state.unreadable == {}
    state.read(COMMIT_KEY, _commit("v2"), 7)
    assert state.newest_complete
    assert {k: e.names[0].full for k, e in state.entries.items()} == {"custom:A": "Alpha Again"}


def test_a_key_that_is_not_utf8_or_names_another_entry_is_unreadable() -> None:
    state = _state_at_v1()
    state.read(b"custom:\xff", _record(_entry("C", "Gamma")), 3)
    state.read(b"custom:D", _record(_entry("E", "Epsilon")), 4)
    assert state.unreadable == {
        "custom:\\xff": "offset 3: key is not valid UTF-8",
        "custom:D": "offset 4: the record holds entry custom:E",
    }
    assert state.raw_key("custom:\\xff") == b"custom:\xff"  # for a tombstone compaction matches
    state.read(b"custom:\xff", None, 5)
    assert list(state.unreadable) == ["custom:D"]


def test_an_unparsable_commit_is_counted_and_the_next_commit_covers_its_records() -> None:
    state = _state_at_v1()
    state.read(b"custom:C", _record(_entry("C", "Gamma Three")), 3)
    assert state.read(COMMIT_KEY, b"{not a commit", 4) is None
    assert state.bad_commits == 1
    assert state.last_bad_commit is not None and state.last_bad_commit.startswith("offset 4: commit record unreadable")
    assert sorted(state.entries) == ["custom:A", "custom:B"]
    assert state.read(COMMIT_KEY, _commit("v3"), 5) is not None
    assert sorted(state.entries) == ["custom:A", "custom:B", "custom:C"]
    assert state.newest_complete


def test_projected_is_what_the_next_commit_would_make_of_the_log() -> None:
    state = _state_at_v1()
    state.read(b"custom:B", NOT_JSON, 3)
    state.read(b"custom:C", _record(_entry("C", "Gamma Three")), 4)
    assert [e.key for e in state.snapshot().entries] == ["custom:A", "custom:B"]
    assert [e.key for e in state.projected().entries] == ["custom:A", "custom:C"]
