"""Snapshots: content-hash versions, exact Parquet round trip, diffs, and the store of loaded lists."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from services.watchlists.domain.entry import (
    EntityKind,
    EntryIdentifier,
    EntryName,
    EntryWallet,
    ListName,
    NameKind,
    WatchlistEntry,
)
from services.watchlists.loading import ENV_VAR, NoWatchlistsLoaded, WatchlistStore, current_snapshot, store_dir
from services.watchlists.snapshot import Snapshot, content_version, diff


def _entry(entry_id: str, name: str = "Example Person", list_name: ListName = ListName.UN_SC,
           **fields: object) -> WatchlistEntry:
    return WatchlistEntry.model_validate({"entry_id": entry_id, "list_name": list_name,
                                          "names": (EntryName(full=name),), **fields})


RICH = _entry("QDi.999", "Omar EXAMPLEMAN", kind=EntityKind.PERSON, programme="Al-Qaida", list_label="UN",
              names=(EntryName(full="Omar EXAMPLEMAN"), EntryName(full="عمر", script="Arab"),
                     EntryName(full="Abu Example", kind=NameKind.WEAK_ALIAS)),
              dates_of_birth=("1975-03-14", "1976"), nationalities=("SY", "IQ"),
              identifiers=(EntryIdentifier(type="passport", number="N1", country="SY"),
                           EntryIdentifier(type="cnic", number="3520100000011")),
              wallets=(EntryWallet(ticker="XBT", address="bc1qexample"),), listed_on=date(2019, 5, 20),
              father_name="Karim", remarks="made up")


def test_the_version_depends_on_content_only() -> None:
    a, b = _entry("1"), _entry("2", "Other Person")
    first = Snapshot.build([a, b], ["x.xml"], ["un"], datetime(2026, 1, 1, tzinfo=UTC))
    second = Snapshot.build([b, a], ["y.xml"], ["un"], datetime(2026, 6, 1, tzinfo=UTC))
    assert first.version == second.version == content_version([a, b])
    assert first.version.startswith("wl-") and len(first.version) == 19
    changed = Snapshot.build([a, _entry("2", "Other Persons")])
    assert changed.version != first.version


def test_duplicate_keys_are_refused() -> None:
    with pytest.raises(ValueError, match="occur twice"):
        Snapshot.build([_entry("1"), _entry("1", "Another")])


def test_parquet_round_trip_is_exact(tmp_path: Path) -> None:
    bare = _entry("2", list_name=ListName.CUSTOM)
    snapshot = Snapshot.build([RICH, bare], ["a.xml"], ["un"], datetime(2026, 11, 20, 10, tzinfo=UTC))
    path = tmp_path / "s.parquet"
    snapshot.write(path)
    back = Snapshot.read(path)
    assert back == snapshot
    assert back.entries[1] == RICH and back.counts == {"custom": 1, "un-sc": 1}


def test_an_empty_snapshot_round_trips(tmp_path: Path) -> None:
    Snapshot.build([]).write(tmp_path / "empty.parquet")
    assert Snapshot.read(tmp_path / "empty.parquet").entries == ()


def test_a_parquet_file_that_is_not_a_snapshot_is_refused(tmp_path: Path) -> None:
    import polars as pl

    pl.DataFrame({"a": [1]}).write_parquet(tmp_path / "other.parquet")
    with pytest.raises(ValueError, match="not a watchlist snapshot"):
        Snapshot.read(tmp_path / "other.parquet")


def test_diff_finds_added_removed_and_changed_entries() -> None:
    old = Snapshot.build([_entry("1"), _entry("2"), _entry("3")])
    new = Snapshot.build([_entry("1"), _entry("3", "Renamed"), _entry("4")])
    changes = diff(old, new)
    assert [e.key for e in changes.added] == ["un-sc:4"]
    assert [e.key for e in changes.removed] == ["un-sc:2"]
    assert [(o.names[0].full, n.names[0].full) for o, n in changes.changed] == [("Example Person", "Renamed")]
    assert changes.summary(limit=1) == {"added": 1, "removed": 1, "changed": 1, "added_keys": ["un-sc:4"],
                                        "removed_keys": ["un-sc:2"], "changed_keys": ["un-sc:3"],
                                        "changed_fields": {"un-sc:3": ["names"]}}
    assert diff(new, new).empty


def test_the_store_replaces_only_the_list_that_was_loaded(tmp_path: Path) -> None:
    store = WatchlistStore(tmp_path)
    with pytest.raises(NoWatchlistsLoaded):
        store.current_snapshot()
    (un,) = store.install(Snapshot.build([_entry("1"), _entry("2")], formats=["un"]))
    store.install(Snapshot.build([_entry("9", list_name=ListName.OFAC_SDN)], formats=["ofac"]))
    assert un.previous is None and len(un.changes.added) == 2
    (again,) = store.install(Snapshot.build([_entry("1"), _entry("3")], formats=["un"]))
    assert again.previous is not None and again.previous.version == un.snapshot.version
    assert [e.key for e in again.changes.removed] == ["un-sc:2"]
    combined = current_snapshot(tmp_path)
    assert combined.counts == {"ofac-sdn": 1, "un-sc": 2}
    assert combined.version == content_version([_entry("1"), _entry("3"), _entry("9", list_name=ListName.OFAC_SDN)])
    assert store.previous("un-sc") == un.snapshot
    # Reloading identical content keeps the real previous version for the next diff.
    store.install(Snapshot.build([_entry("1"), _entry("3")], formats=["un"]))
    assert store.previous("un-sc") == un.snapshot
    assert not list(tmp_path.glob("**/*.tmp"))


def test_the_store_directory_comes_from_option_then_environment_then_default(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "env"))
    assert store_dir(tmp_path / "opt") == tmp_path / "opt"
    assert store_dir() == tmp_path / "env"
    monkeypatch.delenv(ENV_VAR)
    assert store_dir() == Path.home() / ".local/share/aml-screening/watchlists"
