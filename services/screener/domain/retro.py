"""Retro-screening: when a new list version arrives, look again at the parties already seen.

Only the entries that were added or changed are screened against (a small matcher built just for
them), so a new version costs in proportion to what changed, not to the size of the lists. Removed
entries (delistings) turn into release proposals for holds whose only reasons were those entries.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from schemas import Action, Alert, AlertKind, Decision, Party, TransferEvent
from schemas.watchlist import WatchlistEntry
from services.screener.domain.watchlist import WatchlistSnapshot
from services.watchlists.domain.criteria import MatchConfig


class EntryChanges(Protocol):
    """What changed between two list versions (`services.watchlists.snapshot.SnapshotDiff` is one)."""

    @property
    def added(self) -> Sequence[WatchlistEntry]: ...
    @property
    def removed(self) -> Sequence[WatchlistEntry]: ...
    @property
    def changed(self) -> Sequence[tuple[WatchlistEntry, WatchlistEntry]]: ...


_TRANSFERS_PER_PARTY = 20
# Rules whose hits follow from a listed wallet; a hold made only of these and of reasons citing
# entries that were all removed has nothing left once the entries are delisted.
_LIST_DERIVED = ("graph.exposure.", "travel_rule.unhosted_exposure")


@dataclass
class SeenParty:
    party: Party
    last_seen: datetime
    transfer_ids: deque[str] = field(default_factory=lambda: deque(maxlen=_TRANSFERS_PER_PARTY))


def _party_key(party: Party) -> tuple[str | None, ...]:
    return (
        party.account_id,
        party.name,
        party.wallet_address,
        party.country,
        party.id_number,
        party.date_of_birth.isoformat() if party.date_of_birth else None,
    )


class PartyRegister:
    """Parties seen within the retention window, and the list entries behind each sanctions hold."""

    def __init__(self, window: timedelta) -> None:
        self.window = window
        self.parties: dict[tuple[str | None, ...], SeenParty] = {}
        self.holds: dict[str, frozenset[str]] = {}
        """transfer id → entry keys of a hold whose every reason cites a list entry."""
        self._hold_times: dict[str, datetime] = {}

    def observe(self, transfer: TransferEvent, decision: Decision, now: datetime) -> None:
        for party in (transfer.originator, transfer.beneficiary):
            seen = self.parties.setdefault(_party_key(party), SeenParty(party, now))
            seen.last_seen = now
            seen.transfer_ids.append(transfer.transfer_id)
        if decision.action == Action.HOLD and not decision.is_resolution:
            keys = [str(r.evidence["entry_key"]) for r in decision.reasons if r.evidence.get("entry_key")]
            others = [r for r in decision.reasons if not r.evidence.get("entry_key")]
            # Exposure reasons are consequences of the same listing: they go when the entry goes.
            if keys and all(r.rule_id.startswith(_LIST_DERIVED) for r in others):
                self.holds[transfer.transfer_id] = frozenset(keys)
                self._hold_times[transfer.transfer_id] = now

    def copy(self) -> PartyRegister:
        """A copy to screen in another thread while the stream keeps observing into the original."""
        twin = PartyRegister(self.window)
        twin.parties = {
            k: SeenParty(v.party, v.last_seen, deque(v.transfer_ids, maxlen=_TRANSFERS_PER_PARTY))
            for k, v in self.parties.items()
        }
        twin.holds = dict(self.holds)
        twin._hold_times = dict(self._hold_times)
        return twin

    def evict(self, now: datetime) -> None:
        cutoff = now - self.window
        self.parties = {k: v for k, v in self.parties.items() if v.last_seen >= cutoff}
        for transfer_id in [t for t, at in self._hold_times.items() if at < cutoff]:
            self.holds.pop(transfer_id, None)
            self._hold_times.pop(transfer_id, None)


def retro_screen(
    register: PartyRegister, changes: EntryChanges, version: str, now: datetime, config: MatchConfig | None = None
) -> list[Alert]:
    touched = [*changes.added, *(new for _, new in changes.changed)]
    alerts = list(_new_hits(register, WatchlistSnapshot.from_entries(version, touched, config), now)) if touched else []
    removed = {entry.key: entry for entry in changes.removed}
    for transfer_id, keys in sorted(register.holds.items()):
        if keys <= removed.keys():
            names = ", ".join(removed[k].names[0].full for k in sorted(keys) if removed[k].names)
            alerts.append(
                Alert(
                    alert_id=Alert.derive_id(AlertKind.RELEASE_PROPOSAL, version, ",".join(sorted(keys)), transfer_id),
                    kind=AlertKind.RELEASE_PROPOSAL,
                    watchlist_version=version,
                    entry_key=",".join(sorted(keys)),
                    entry_name=names,
                    transfer_ids=(transfer_id,),
                    explanation=f"Every list entry behind this hold was removed in {version}: propose release.",
                    raised_at=now,
                )
            )
    return alerts


def _new_hits(register: PartyRegister, lists: WatchlistSnapshot, now: datetime) -> Iterator[Alert]:
    for seen in register.parties.values():
        party = seen.party
        found: list[tuple[str, str, float | None, str]] = [
            (w.entry_key, w.entry_name, None, f"wallet {party.wallet_address} is listed ({w.list_name} {w.entry_id})")
            for w in lists.wallet_hits(party.wallet_address)
        ]
        found += [
            (
                m.entry_key,
                m.matched_name,
                m.score,
                f"name '{party.name}' matches {m.list} {m.entry_id} '{m.matched_name}' ({m.score:.2f})",
            )
            for m in lists.name_hits(party)
        ]
        for entry_key, entry_name, score, what in found:
            yield Alert(
                alert_id=Alert.derive_id(AlertKind.RETRO_HIT, lists.version, entry_key, party.account_id),
                kind=AlertKind.RETRO_HIT,
                watchlist_version=lists.version,
                entry_key=entry_key,
                entry_name=entry_name,
                transfer_ids=tuple(seen.transfer_ids),
                subjects=(party.account_id,),
                score=score,
                explanation=f"New list version: {what}"[:500],
                evidence={"party": party.model_dump(mode="json")},
                raised_at=now,
            )
