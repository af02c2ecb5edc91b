"""The watchlist snapshot one transfer is screened against, with a stable content version."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from services.screener.domain.wallets import normalise_address


@dataclass(frozen=True, slots=True)
class ListedWallet:
    """A wallet address published on a sanctions list, traced back to its entry."""

    address: str
    ticker: str
    list_name: str
    entry_id: str
    entry_name: str
    programme: str


@dataclass(frozen=True)
class WatchlistSnapshot:
    """An immutable, versioned view of the loaded lists.

    `version` is derived from the content of the source files, so two screeners that loaded
    the same lists record the same version in their decisions (reproducibility).
    """

    version: str
    load_error: str | None = None
    """Set when the lists could not be loaded: every transfer is then held (fail closed)."""
    wallets: Mapping[str, tuple[ListedWallet, ...]] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def build(cls, version: str, wallets: Iterable[ListedWallet]) -> WatchlistSnapshot:
        index: dict[str, list[ListedWallet]] = {}
        for wallet in wallets:
            index.setdefault(normalise_address(wallet.address), []).append(wallet)
        frozen = {key: tuple(values) for key, values in index.items()}
        return cls(version=version, wallets=MappingProxyType(frozen))

    @classmethod
    def unavailable(cls, error: str) -> WatchlistSnapshot:
        return cls(version="unavailable", load_error=error)

    def wallet_hits(self, address: str | None) -> tuple[ListedWallet, ...]:
        if not address:
            return ()
        return self.wallets.get(normalise_address(address), ())
