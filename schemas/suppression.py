"""`Suppression` v1: officers found that one party is not one list entry; screeners stop raising the pair.

Recorded by the case desk when a sanctions name match is closed as a false positive with four eyes,
published on `aml.suppressions.v1` (one partition, compacted) keyed by `suppression_id`; a tombstone
(null value) for the key revokes it. A screener honours a suppression only for exactly this party and
exactly this entry as the officers saw it:

- the party is compared by its fingerprint: the normalised name, the date of birth and the identity
  document (type and normalised number); with neither a birth date nor a document, the account too, so
  that a bare name never suppresses every namesake;
- the entry is compared by `entry_fingerprint`, a digest of its whole content: any change in a new
  watchlist version (an alias, a birth date, an identifier) lapses the suppression by itself;
- and not after `expires_at`.

The party's fields are stored normalised (the screener's `domain/suppressions.suppressed_party` makes
them), so the fingerprint is a function of this record alone and `suppression_id` is derived from it:
a record whose id does not match its content is refused.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, WithJsonSchema, model_validator

from schemas.common import (
    BirthDate,
    Contract,
    DocumentNumber,
    Identifier,
    UtcDatetime,
    _plain_text,
    _text,
)
from schemas.transfer import IdType
from schemas.watchlist import WatchlistEntry

SUPPRESSION_NAMESPACE = uuid.UUID("3d0b8c9e-6f2a-4e57-a1c4-7b9d2e5f8a30")
DEFAULT_LIFETIME = timedelta(days=365)
"""How long a suppression lasts unless revoked or lapsed earlier."""
_FINGERPRINT_VERSION = "party-v1"

NoteText = Annotated[
    str, Field(min_length=1, max_length=1000), AfterValidator(_plain_text), WithJsonSchema(_text(1000))
]
EntryKey = Annotated[
    str,
    Field(min_length=3, max_length=300, pattern=r"^[a-z0-9-]+:\S.*$", description="<list>:<entry_id>"),
    AfterValidator(_plain_text),
]
Digest = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256, lower-case hex")]


def entry_fingerprint(entry: WatchlistEntry) -> str:
    """SHA-256 of the entry's canonical JSON (the serialisation the snapshot's content version hashes)."""
    return hashlib.sha256(entry.model_dump_json().encode()).hexdigest()


class SuppressedParty(Contract):
    """The party as the officers cleared it, normalised (see the module docstring)."""

    name: Annotated[
        str,
        Field(min_length=1, max_length=600, description="The normalised name: folded tokens, in order"),
        AfterValidator(_plain_text),
    ]
    date_of_birth: BirthDate | None = None
    id_type: IdType | None = None
    id_number: Annotated[DocumentNumber | None, Field(description="Normalised: upper case, no spaces or dashes")] = None
    account_id: Identifier | None = None
    """The account the transfer came from; part of the fingerprint only without a birth date and a document."""

    @model_validator(mode="after")
    def _id_type_with_number(self) -> SuppressedParty:
        if (self.id_number is None) != (self.id_type is None):
            raise ValueError("id_type and id_number go together")
        if self.date_of_birth is None and self.id_number is None and self.account_id is None:
            raise ValueError("a party with neither a birth date nor a document needs its account_id")
        return self

    @property
    def fingerprint(self) -> str:
        identified = self.date_of_birth is not None or self.id_number is not None
        parts = (
            _FINGERPRINT_VERSION,
            self.name,
            self.date_of_birth.isoformat() if self.date_of_birth else "",
            self.id_type.value if self.id_type else "",
            self.id_number or "",
            "" if identified else f"account:{self.account_id}",
        )
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


class Suppression(Contract):
    schema_version: Literal[1] = 1
    suppression_id: uuid.UUID
    """Derived from the entry key and the party fingerprint (`derive_id`): the Kafka key."""
    entry_key: EntryKey
    entry_fingerprint: Digest
    """`entry_fingerprint(entry)` of the entry as of `watchlist_version`."""
    watchlist_version: Identifier
    """The version whose hit the officers judged."""
    party: SuppressedParty
    decided_by: Identifier
    """The officer who closed the case (maker)."""
    approved_by: Identifier
    """The second officer (checker): a suppression is a four-eyes decision."""
    reason: NoteText
    """The officers' note on why the party is not the listed one."""
    case_id: Identifier | None = None
    created_at: UtcDatetime
    expires_at: UtcDatetime

    @model_validator(mode="after")
    def _consistent(self) -> Suppression:
        if self.suppression_id != self.derive_id(self.entry_key, self.party.fingerprint):
            raise ValueError("suppression_id is not the one derived from entry_key and the party")
        if self.decided_by.casefold() == self.approved_by.casefold():
            raise ValueError("approved_by must be a second officer, not decided_by")
        if self.expires_at <= self.created_at:
            raise ValueError("expires_at must be after created_at")
        return self

    @staticmethod
    def derive_id(entry_key: str, party_fingerprint: str) -> uuid.UUID:
        """Deterministic: the same party and entry always have the same suppression (and Kafka key)."""
        return uuid.uuid5(SUPPRESSION_NAMESPACE, f"{entry_key}|{party_fingerprint}")

    @property
    def key(self) -> bytes:
        return str(self.suppression_id).encode()
