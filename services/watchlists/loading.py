"""The store of loaded watchlists: what the screener and `aml watchlists` commands use.

Layout of the store directory (default `~/.local/share/aml-screening/watchlists/`, overridden by
the `AML_WATCHLISTS_DIR` environment variable, overridden in turn by an explicit `--dir`):

    <dir>/parts/<list_name>/<version>.parquet   one snapshot per source list and version
    <dir>/current.json                          {list_name: {"version", "file", "previous"}}

Loading a list writes its part file, then replaces `current.json` by an atomic rename, so a reader
sees either the old or the new set of lists, never half of one. Each list is a separate part:
loading the UN list replaces only the UN part and leaves OFAC, EU, … as they were. The pointer
keeps the previous part of each list, so a load can report (and the screener retro-screen) what
changed. `current_snapshot()` merges the current parts into one snapshot with a combined version.
Part files are never overwritten in place; identical content gives the identical file name.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from services.watchlists.snapshot import Snapshot, SnapshotDiff, diff

ENV_VAR = "AML_WATCHLISTS_DIR"
DEFAULT_DIR = Path("~/.local/share/aml-screening/watchlists")
_POINTER = "current.json"


class NoWatchlistsLoaded(LookupError):
    """The store holds no list: screening must not go ahead as if nothing were listed."""


def store_dir(explicit: Path | None = None) -> Path:
    if explicit is not None:
        return explicit
    return Path(os.environ.get(ENV_VAR) or DEFAULT_DIR).expanduser()


@dataclass(frozen=True)
class LoadResult:
    list_name: str
    snapshot: Snapshot
    previous: Snapshot | None
    changes: SnapshotDiff


class WatchlistStore:
    def __init__(self, root: Path | None = None) -> None:
        self.root = store_dir(root)

    def _pointer(self) -> dict[str, dict[str, str | None]]:
        path = self.root / _POINTER
        if not path.exists():
            return {}
        data: dict[str, dict[str, str | None]] = json.loads(path.read_text())
        return data

    def _write_pointer(self, pointer: dict[str, dict[str, str | None]]) -> None:
        temporary = self.root / f".{_POINTER}.{os.getpid()}.tmp"
        temporary.write_text(json.dumps(pointer, indent=2, sort_keys=True))
        os.replace(temporary, self.root / _POINTER)

    def _read(self, relative: str | None) -> Snapshot | None:
        return Snapshot.read(self.root / relative) if relative else None

    def parts(self) -> dict[str, Snapshot]:
        """The current snapshot of each loaded list."""
        found = {name: self._read(ref["file"]) for name, ref in sorted(self._pointer().items())}
        return {name: snapshot for name, snapshot in found.items() if snapshot is not None}

    def previous(self, list_name: str) -> Snapshot | None:
        ref = self._pointer().get(list_name)
        return self._read(ref.get("previous")) if ref else None

    @contextmanager
    def _locked(self) -> Iterator[None]:
        # Two loads of different lists at once would each rewrite current.json from what they
        # read; the lock makes the read-modify-write of the pointer one step.
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / ".lock").open("w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def install(self, snapshot: Snapshot) -> list[LoadResult]:
        """Make `snapshot` the current version of every list it holds entries of."""
        with self._locked():
            return self._install(snapshot)

    def _install(self, snapshot: Snapshot) -> list[LoadResult]:
        results: list[LoadResult] = []
        pointer = self._pointer()
        for list_name in snapshot.counts:
            part = Snapshot.build((e for e in snapshot.entries if e.list_name.value == list_name),
                                  snapshot.sources, snapshot.formats, snapshot.loaded_at)
            relative = f"parts/{list_name}/{part.version}.parquet"
            target = self.root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            part.write(temporary)
            os.replace(temporary, target)
            before = pointer.get(list_name, {})
            previous = self._read(before.get("file"))
            changes = diff(previous or Snapshot.build(()), part)
            # Reloading the same content must not lose the real previous version.
            keep = before.get("previous") if before.get("file") == relative else before.get("file")
            pointer[list_name] = {"version": part.version, "file": relative, "previous": keep}
            results.append(LoadResult(list_name, part, previous, changes))
        self._write_pointer(pointer)
        return results

    def current_snapshot(self) -> Snapshot:
        parts = self.parts()
        if not parts:
            raise NoWatchlistsLoaded(f"no watchlist loaded in {self.root}: run `aml watchlists load` first")
        return Snapshot.combine(parts.values())


def current_snapshot(root: Path | None = None) -> Snapshot:
    """All currently loaded lists as one snapshot (see module docstring for where they live)."""
    return WatchlistStore(root).current_snapshot()
