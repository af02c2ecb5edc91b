"""False-positive memory: which name hits officers cleared for which party, and whether that still holds.

A `Suppression` (schemas/suppression.py) says that one party is not one list entry. The name rule
(sanctions.py) asks `Suppressions.check` about every name hit: the hit is suppressed only when

- a suppression exists for this entry key and this party's fingerprint (normalised name, date of
  birth, identity document; the account when the party has neither), so a namesake with another
  birth date, another document or a differently spelt name is screened as before;
- the entry's content is what the officers saw (`entry_fingerprint` equals the fingerprint of the
  entry in the version screened against): a changed entry lapses the suppression by itself;
- the transfer happened before `expires_at` (the transfer's own time, so a replay decides the same).

Both the case desk (when it records a suppression) and the screener (when it screens a party) make the
party's normalised form with `suppressed_party`, so the two always agree on the fingerprint.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from types import MappingProxyType
from weakref import WeakKeyDictionary

from schemas import IdType, Party
from schemas.suppression import SuppressedParty, Suppression, entry_fingerprint
from schemas.watchlist import WatchlistEntry
from services.watchlists.domain.evidence import identifier_key
from services.watchlists.domain.names import normalise

SUPPRESSED = "sanctions.suppressed"
"""The informational reason a suppressed name hit leaves in the decision."""


def normalised_name(name: str) -> str:
    """The project's name normalisation as one string: folded tokens in order, then any father's name."""
    normalised = normalise(name)
    text = " ".join(normalised.tokens)
    return f"{text} s/o {' '.join(normalised.father)}" if normalised.father else text


def suppressed_party(
    name: str,
    date_of_birth: date | None,
    id_type: IdType | None,
    id_number: str | None,
    account_id: str | None,
) -> SuppressedParty | None:
    """The normalised party a suppression names; None when the name normalises to nothing."""
    text = normalised_name(name)
    number = identifier_key(id_number) if id_number else ""
    if not text:
        return None
    return SuppressedParty(
        name=text,
        date_of_birth=date_of_birth,
        id_type=id_type if number else None,
        id_number=number or None,
        account_id=account_id,
    )


def party_of(party: Party) -> SuppressedParty | None:
    """A transfer's party as a suppression would name it (None without a usable name)."""
    if not party.name:
        return None
    return suppressed_party(party.name, party.date_of_birth, party.id_type, party.id_number, party.account_id)


class Lapse(StrEnum):
    ENTRY_CHANGED = "entry_changed"
    """The list entry differs from the one the officers cleared (a new watchlist version changed it)."""
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class Check:
    """What the suppressions say about one name hit of one party."""

    suppression: Suppression | None = None
    """The suppression for this party and entry, applied or lapsed; None when there is none."""
    lapsed: Lapse | None = None

    @property
    def applies(self) -> bool:
        return self.suppression is not None and self.lapsed is None


NOT_SUPPRESSED = Check()


@dataclass(frozen=True)
class Suppressions:
    """An immutable index of the suppressions in force, by (entry key, party fingerprint)."""

    by_pair: Mapping[tuple[str, str], Suppression] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def build(cls, items: Iterable[Suppression]) -> Suppressions:
        index = {(s.entry_key, s.party.fingerprint): s for s in items}
        return cls(MappingProxyType(index))

    def __len__(self) -> int:
        return len(self.by_pair)

    def __bool__(self) -> bool:
        return bool(self.by_pair)

    def check(self, entry_key: str, party: str | None, entry: str | None, at: datetime) -> Check:
        """The suppression of the hit of the party with fingerprint `party` on `entry_key`, whose current
        content has fingerprint `entry`, for a transfer at `at`."""
        if party is None:
            return NOT_SUPPRESSED
        found = self.by_pair.get((entry_key, party))
        if found is None:
            return NOT_SUPPRESSED
        if entry is None or entry != found.entry_fingerprint:
            return Check(found, Lapse.ENTRY_CHANGED)
        if at >= found.expires_at:
            return Check(found, Lapse.EXPIRED)
        return Check(found)


NO_SUPPRESSIONS = Suppressions()


class _EntryIndex:
    """Entries of one name matcher by key, with their fingerprints computed when first asked for."""

    def __init__(self, entries: Sequence[WatchlistEntry]) -> None:
        self._entries = {entry.key: entry for entry in entries}
        self._fingerprints: dict[str, str] = {}

    def fingerprint(self, entry_key: str) -> str | None:
        found = self._fingerprints.get(entry_key)
        if found is None:
            entry = self._entries.get(entry_key)
            if entry is None:
                return None
            found = self._fingerprints[entry_key] = entry_fingerprint(entry)
        return found


_INDEXES: WeakKeyDictionary[object, _EntryIndex] = WeakKeyDictionary()
"""One index per matcher (that is, per watchlist version), built at its first name hit and dropped with it."""


def current_fingerprint(matcher: object, entries: Sequence[WatchlistEntry], entry_key: str) -> str | None:
    """The fingerprint of `entry_key` among `entries`, the entries `matcher` was built from."""
    index = _INDEXES.get(matcher)
    if index is None:
        index = _INDEXES[matcher] = _EntryIndex(entries)
    return index.fingerprint(entry_key)
