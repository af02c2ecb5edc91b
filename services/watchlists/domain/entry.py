"""The entry model lives with the wire contracts (it travels on `aml.watchlists.v1`); re-exported here
so the watchlist core can keep naming it from its own domain."""

from schemas.watchlist import (
    EntityKind,
    EntryIdentifier,
    EntryName,
    EntryWallet,
    ListName,
    NameKind,
    WatchlistEntry,
)

__all__ = ["EntityKind", "EntryIdentifier", "EntryName", "EntryWallet", "ListName", "NameKind", "WatchlistEntry"]
