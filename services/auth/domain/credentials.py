"""API keys and session tokens: their format and their stored digests.

A key is `aml_<key id>_<secret>`: the id finds the row, and only a SHA-256 digest of the secret is stored.
A plain digest (not argon2) is right for these: the secret is 32 random bytes, so there is nothing to guess,
and the lookup runs on every request. Passwords, which people choose, are hashed with argon2 (adapters).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

_KEY = re.compile(r"aml_([a-z0-9]{8})_([A-Za-z0-9_-]{20,})")


@dataclass(frozen=True, slots=True)
class KeyParts:
    key_id: str
    secret: str


def parse_key(presented: str) -> KeyParts | None:
    match = _KEY.fullmatch(presented)
    return None if match is None else KeyParts(match.group(1), match.group(2))


def format_key(key_id: str, secret: str) -> str:
    return f"aml_{key_id}_{secret}"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def matches(secret: str, stored_digest: str) -> bool:
    return hmac.compare_digest(digest(secret), stored_digest)
