"""A versioned watchlist snapshot: normalised entries plus how they were loaded, stored as Parquet.

The version is a content hash of the entries alone (sorted by `list:entry_id`, each serialised
canonically), so loading the same list twice, at another time or from files in another order,
gives the same version, and any change to any field of any entry gives a new one. The load
metadata (sources, formats, loaded_at) travels in the Parquet key-value metadata and is not part
of the version. Nested fields are list/struct columns, so a written snapshot reads back equal.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from services.watchlists.domain.entry import WatchlistEntry

_META_KEY = "aml.watchlist.snapshot"
_TEXT = pl.String()
_NAME = pl.Struct({"full": _TEXT, "kind": _TEXT, "script": _TEXT})
_IDENTIFIER = pl.Struct({"type": _TEXT, "number": _TEXT, "country": _TEXT})
_WALLET = pl.Struct({"ticker": _TEXT, "address": _TEXT})
_COLUMNS: dict[str, pl.DataType] = {
    "entry_id": _TEXT, "list_name": _TEXT, "list_label": _TEXT, "programme": _TEXT, "kind": _TEXT,
    "names": pl.List(_NAME), "dates_of_birth": pl.List(_TEXT), "nationalities": pl.List(_TEXT),
    "identifiers": pl.List(_IDENTIFIER), "wallets": pl.List(_WALLET), "listed_on": pl.Date(),
    "father_name": _TEXT, "remarks": _TEXT,
}
SCHEMA = pl.Schema(_COLUMNS)


def content_version(entries: Iterable[WatchlistEntry]) -> str:
    """`wl-` and 16 hex digits of SHA-256 over the entries in key order."""
    digest = hashlib.sha256()
    for entry in sorted(entries, key=lambda e: e.key):
        digest.update(entry.model_dump_json().encode())
        digest.update(b"\n")
    return "wl-" + digest.hexdigest()[:16]


@dataclass(frozen=True)
class Snapshot:
    entries: tuple[WatchlistEntry, ...]
    sources: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()
    loaded_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    version: str = ""

    @classmethod
    def build(cls, entries: Iterable[WatchlistEntry], sources: Iterable[str] = (), formats: Iterable[str] = (),
              loaded_at: datetime | None = None) -> Snapshot:
        ordered = tuple(sorted(entries, key=lambda e: e.key))
        duplicates = [key for key, n in Counter(e.key for e in ordered).items() if n > 1]
        if duplicates:
            raise ValueError(f"{len(duplicates)} entry key(s) occur twice, e.g. {duplicates[0]}")
        return cls(entries=ordered, sources=tuple(sources), formats=tuple(dict.fromkeys(formats)),
                   loaded_at=loaded_at or datetime.now(UTC), version=content_version(ordered))

    @classmethod
    def combine(cls, parts: Iterable[Snapshot]) -> Snapshot:
        """One snapshot of several lists; its version covers every part's entries."""
        parts = list(parts)
        return cls.build((e for p in parts for e in p.entries), (s for p in parts for s in p.sources),
                         (f for p in parts for f in p.formats), max((p.loaded_at for p in parts), default=None))

    @property
    def counts(self) -> dict[str, int]:
        """Entries per source list."""
        return dict(sorted(Counter(e.list_name.value for e in self.entries).items()))

    def by_key(self) -> dict[str, WatchlistEntry]:
        return {e.key: e for e in self.entries}

    def metadata(self) -> dict[str, object]:
        return {"version": self.version, "sources": list(self.sources), "formats": list(self.formats),
                "loaded_at": self.loaded_at.isoformat(), "counts": self.counts}

    def write(self, path: Path) -> None:
        rows = [e.model_dump(mode="python") for e in self.entries]
        frame = pl.DataFrame(rows, schema=SCHEMA, orient="row") if rows else pl.DataFrame(schema=SCHEMA)
        frame.write_parquet(path, metadata={_META_KEY: json.dumps(self.metadata())})

    @classmethod
    def read(cls, path: Path) -> Snapshot:
        try:
            meta = pl.read_parquet_metadata(path).get(_META_KEY)
            frame = pl.read_parquet(path) if meta is not None else None
        except pl.exceptions.PolarsError as error:
            raise ValueError(f"{path}: not a Parquet file ({error})") from error
        if meta is None or frame is None:
            raise ValueError(f"{path}: not a watchlist snapshot (no {_META_KEY} metadata)")
        info = json.loads(meta)
        entries = [WatchlistEntry.model_validate(row) for row in frame.to_dicts()]
        snapshot = cls.build(entries, info["sources"], info["formats"], datetime.fromisoformat(info["loaded_at"]))
        if snapshot.version != info["version"]:
            raise ValueError(f"{path}: content hash {snapshot.version} differs from recorded {info['version']}")
        return snapshot


@dataclass(frozen=True)
class SnapshotDiff:
    """What changed between two snapshots, by entry key; `changed` pairs (old, new)."""

    added: tuple[WatchlistEntry, ...]
    removed: tuple[WatchlistEntry, ...]
    changed: tuple[tuple[WatchlistEntry, WatchlistEntry], ...]

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def summary(self, limit: int = 10) -> dict[str, object]:
        """Counts plus the first `limit` keys of each kind, for printing or JSON."""
        return {
            "added": len(self.added), "removed": len(self.removed), "changed": len(self.changed),
            "added_keys": [e.key for e in self.added[:limit]], "removed_keys": [e.key for e in self.removed[:limit]],
            "changed_keys": [new.key for _, new in self.changed[:limit]],
            "changed_fields": {new.key: changed_fields(old, new) for old, new in self.changed[:limit]},
        }


def changed_fields(old: WatchlistEntry, new: WatchlistEntry) -> list[str]:
    """Names of the entry fields that differ, e.g. ['names', 'wallets'], for an analyst's summary."""
    return [name for name in WatchlistEntry.model_fields if getattr(old, name) != getattr(new, name)]


def diff(old: Snapshot, new: Snapshot) -> SnapshotDiff:
    """Entries added, removed (delisted) and changed in content from `old` to `new`."""
    before, after = old.by_key(), new.by_key()
    return SnapshotDiff(
        added=tuple(after[k] for k in sorted(after.keys() - before.keys())),
        removed=tuple(before[k] for k in sorted(before.keys() - after.keys())),
        changed=tuple((before[k], after[k]) for k in sorted(before.keys() & after.keys()) if before[k] != after[k]),
    )
