"""Where a screener's lists come from when they are not followed on the changelog.

The streaming screener follows `aml.watchlists.v1` (see `watchlist_feed.py`). `aml screen`, tests
and offline tools build a fixed snapshot instead: from the store `aml watchlists load` writes, or
from one OFAC file (the packaged excerpt by default, which exists only for the demo).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from services.screener.domain.watchlist import WatchlistSnapshot
from services.watchlists.adapters import ofac_csv
from services.watchlists.domain.criteria import MatchConfig
from services.watchlists.loading import WatchlistStore
from services.watchlists.snapshot import Snapshot


def demo_sdn_path() -> Path:
    """The 13-entry OFAC excerpt shipped for the embedded demo (see services/screener/data/README.md)."""
    return Path(str(resources.files("services.screener") / "data" / "ofac_sdn_excerpt.csv"))


def excerpt_snapshot() -> Snapshot:
    path = demo_sdn_path()
    return Snapshot.build(ofac_csv.read(path), sources=(str(path),), formats=("ofac",))


def load_watchlist(sdn_csv: Path | None = None, config: MatchConfig | None = None) -> WatchlistSnapshot:
    """A fixed snapshot of one OFAC legacy CSV set (sdn.csv with add/alt/comments beside it)."""
    paths = [sdn_csv or demo_sdn_path()]
    paths += [p for p in (paths[0].with_name(n) for n in ("add.csv", "alt.csv", "sdn_comments.csv")) if p.exists()]
    snapshot = Snapshot.build(ofac_csv.read(*paths))
    return WatchlistSnapshot.from_entries(snapshot.version, snapshot.entries, config)


def from_store(directory: Path | None = None, config: MatchConfig | None = None) -> WatchlistSnapshot:
    """The lists `aml watchlists load` stored; raises NoWatchlistsLoaded when there are none."""
    snapshot = WatchlistStore(directory).current_snapshot()
    return WatchlistSnapshot.from_entries(snapshot.version, snapshot.entries, config)
