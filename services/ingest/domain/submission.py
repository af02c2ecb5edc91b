"""Idempotency by transfer id: what to publish, what is a replay, what is a conflict."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from schemas import TransferEvent


def fingerprint(event: TransferEvent) -> str:
    """Content hash of an event: the same id with other content is a conflict, not a replay."""
    return hashlib.sha256(event.model_dump_json().encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Plan:
    to_publish: tuple[TransferEvent, ...]
    replays: tuple[str, ...]
    conflicts: tuple[str, ...]


def plan(events: Sequence[TransferEvent], seen: Mapping[str, str]) -> Plan:
    """Split a submission against the fingerprints already accepted (`seen`: id → fingerprint).

    Duplicates inside one submission count once; a second copy with other content conflicts.
    """
    fresh: dict[str, TransferEvent] = {}
    fresh_prints: dict[str, str] = {}
    replays: list[str] = []
    conflicts: list[str] = []
    for event in events:
        tid, digest = event.transfer_id, fingerprint(event)
        known = seen.get(tid, fresh_prints.get(tid))
        if known is None:
            fresh[tid], fresh_prints[tid] = event, digest
        elif known == digest:
            replays.append(tid)
        else:
            conflicts.append(tid)
    return Plan(tuple(fresh.values()), tuple(replays), tuple(conflicts))
