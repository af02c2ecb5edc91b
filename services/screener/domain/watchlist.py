"""The watchlist snapshot one transfer is screened against, with a stable content version.

A snapshot is built from the normalised list entries of one published version: listed wallets go
into an exact-lookup index, names into the name matcher. It is immutable; a new version is a new
snapshot, swapped in between batches, so each transfer sees one consistent version.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from schemas import Party
from schemas.watchlist import WatchlistEntry
from services.screener.domain.wallets import normalise_address
from services.watchlists.domain.criteria import MatchConfig, NameQuery
from services.watchlists.domain.matcher import NameMatch, NameMatcher


@dataclass(frozen=True, slots=True)
class ListedWallet:
    """A wallet address published on a sanctions list, traced back to its entry."""

    address: str
    ticker: str
    list_name: str
    entry_id: str
    entry_name: str
    programme: str
    entry_key: str = ""


@dataclass(frozen=True)
class WatchlistSnapshot:
    """An immutable, versioned view of the loaded lists.

    `version` is derived from the content of the lists, so two screeners that loaded the same
    lists record the same version in their decisions (reproducibility).
    """

    version: str
    load_error: str | None = None
    """Set when the lists could not be loaded: every transfer is then held (fail closed)."""
    wallets: Mapping[str, tuple[ListedWallet, ...]] = field(default_factory=lambda: MappingProxyType({}))
    names: NameMatcher | None = None

    @classmethod
    def build(
        cls, version: str, wallets: Iterable[ListedWallet], names: NameMatcher | None = None
    ) -> WatchlistSnapshot:
        index: dict[str, list[ListedWallet]] = {}
        for wallet in wallets:
            index.setdefault(normalise_address(wallet.address), []).append(wallet)
        frozen = {key: tuple(values) for key, values in index.items()}
        return cls(version=version, wallets=MappingProxyType(frozen), names=names)

    @classmethod
    def from_entries(
        cls, version: str, entries: Sequence[WatchlistEntry], config: MatchConfig | None = None
    ) -> WatchlistSnapshot:
        return cls.build(version, listed_wallets(entries), NameMatcher.build(entries, config))

    @classmethod
    def unavailable(cls, error: str) -> WatchlistSnapshot:
        return cls(version="unavailable", load_error=error)

    def wallet_hits(self, address: str | None) -> tuple[ListedWallet, ...]:
        if not address:
            return ()
        return self.wallets.get(normalise_address(address), ())

    def name_hits(self, party: Party) -> list[NameMatch]:
        """Name matches of a party that reach the policy threshold (the matcher caches by query)."""
        if self.names is None or not party.name:
            return []
        query = NameQuery(
            name=party.name,
            date_of_birth=party.date_of_birth.isoformat() if party.date_of_birth else None,
            country=party.country,
            id_number=party.id_number,
        )
        return [m for m in self.names.match(query, limit=5) if m.is_match and not m.weak_alias_only]


def listed_wallets(entries: Sequence[WatchlistEntry]) -> list[ListedWallet]:
    """Every digital currency address the entries list, each traced back to its entry, in entry order."""
    return [
        ListedWallet(
            address=wallet.address,
            ticker=wallet.ticker,
            list_name=entry.list_label or entry.list_name.value,
            entry_id=entry.entry_id,
            entry_name=entry.names[0].full if entry.names else "",
            programme=entry.programme,
            entry_key=entry.key,
        )
        for entry in entries
        for wallet in entry.wallets
    ]
