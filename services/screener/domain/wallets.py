"""Wallet addresses: one canonical spelling per address so that lookups are exact and O(1)."""

from __future__ import annotations

import hashlib
import re

from Crypto.Hash import keccak

_EVM = re.compile(r"^0x[0-9a-fA-F]{40}$")
_BECH32 = re.compile(r"^(bc|tb|ltc|bnb|cosmos)1[02-9ac-hj-np-z]{6,87}$", re.IGNORECASE)
# TRON's hex form: 0x41 followed by the 20-byte account id, with or without a 0x prefix.
_TRON_HEX = re.compile(r"^(0x)?41[0-9a-fA-F]{40}$")
_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _base58check(payload: bytes) -> str:
    checksum = hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
    number = int.from_bytes(payload + checksum, "big")
    digits = ""
    while number:
        number, rest = divmod(number, 58)
        digits = _BASE58[rest] + digits
    leading = len(payload) - len(payload.lstrip(b"\0"))
    return "1" * leading + digits


def normalise_address(address: str) -> str:
    """The canonical form of a wallet address, whatever chain label came with it.

    The shape decides, not the reported chain: exchanges mislabel chains, and a listed
    address is listed on every chain that shares its format (e.g. one EVM key on Ethereum,
    BSC and Arbitrum). EVM hex and bech32 are case-insensitive, so they are lower-cased;
    TRON's hex form becomes its base58check form (`T…`), the spelling the lists use;
    base58 forms (Bitcoin legacy, TRON) are case-sensitive and kept as they are.
    """
    cleaned = address.strip()
    if _TRON_HEX.match(cleaned):
        return _base58check(bytes.fromhex(cleaned.removeprefix("0x")))
    if _EVM.match(cleaned) or _BECH32.match(cleaned):
        return cleaned.lower()
    return cleaned


def eip55(address: str) -> str:
    """The EIP-55 checksum spelling of an EVM address (`0x` and 40 hex digits, any case)."""
    digits = address.strip()[2:].lower()
    digest = keccak.new(digest_bits=256, data=digits.encode("ascii")).hexdigest()
    # EIP-55: a letter is upper-case exactly when the matching nibble of keccak-256(lower hex) is >= 8.
    spelled = (c.upper() if c.isalpha() and int(h, 16) >= 8 else c for c, h in zip(digits, digest[:40], strict=True))
    return "0x" + "".join(spelled)


def checksum_mismatch(address: str) -> str | None:
    """For a mixed-case EVM address whose EIP-55 checksum is wrong, the spelling it should have.

    All-lower and all-upper hex carry no checksum (EIP-55 leaves them valid); any other
    shape is not EVM hex and is not checked here. A wrong checksum means a mistyped
    address: the screening still matches it case-insensitively, so a listed address
    cannot slip through by changing case, but the transfer should not leave unconfirmed.
    """
    cleaned = address.strip()
    if not _EVM.match(cleaned):
        return None
    digits = cleaned[2:]
    if digits == digits.lower() or digits == digits.upper():
        return None
    expected = eip55(cleaned)
    return None if cleaned == expected else expected
