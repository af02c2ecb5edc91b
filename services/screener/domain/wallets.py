"""Wallet addresses: one canonical spelling per address so that lookups are exact and O(1)."""

from __future__ import annotations

import re

_EVM = re.compile(r"^0x[0-9a-fA-F]{40}$")
_BECH32 = re.compile(r"^(bc|tb|ltc|bnb|cosmos)1[02-9ac-hj-np-z]{6,87}$", re.IGNORECASE)


def normalise_address(address: str) -> str:
    """The canonical form of a wallet address, whatever chain label came with it.

    The shape decides, not the reported chain: exchanges mislabel chains, and a listed
    address is listed on every chain that shares its format (e.g. one EVM key on Ethereum,
    BSC and Arbitrum). EVM hex and bech32 are case-insensitive, so they are lower-cased;
    base58 forms (Bitcoin legacy, TRON) are case-sensitive and kept as they are.
    """
    cleaned = address.strip()
    if _EVM.match(cleaned) or _BECH32.match(cleaned):
        return cleaned.lower()
    return cleaned
