"""A synthetic, seeded record stream for `bench.py`, shaped like what the ledger consumes.

The stream is ordered the way Kafka tends to deliver it: every transfer is followed by its
screening decision a little later (often in the same batch, sometimes in the next one, now
and then *before* the transfer, which exercises the waiting path), holds are resolved later
still, and a few decisions are redelivered or re-screened to exercise the duplicate paths.
The same seed always yields the same stream, so runs before and after a change compare.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from schemas import Action, Decision, Party, Resolution, TransferEvent

_T0 = datetime(2026, 11, 1, tzinfo=UTC)
_NAMESPACE = uuid.UUID("3d0c5a52-6f0e-4f4e-9d43-0c8a1f6b2e77")
_ACCOUNTS = 500
_SCREENING = (Action.ALLOW,) * 8 + (Action.FLAG, Action.HOLD)
_RESOLUTIONS = (Resolution.RELEASE, Resolution.REJECT, Resolution.FREEZE)


@dataclass
class Batch:
    transfers: list[TransferEvent] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)


@dataclass
class Workload:
    batches: list[Batch]
    transfers: int
    decisions: int


def build(transfers: int, batch: int, *, seed: int = 7, prefix: str = "bench") -> Workload:
    """`transfers` transfers and their decisions, cut into batches of `batch` records."""
    rng = random.Random(seed)
    # (position in the stream, tie-breaker, record); positions are in units of transfers.
    stream: list[tuple[float, int, TransferEvent | Decision]] = []
    for i in range(transfers):
        event = _transfer(rng, f"{prefix}-{i}")
        stream.append((i, len(stream), event))
        decision = _screening(event.transfer_id, rng.choice(_SCREENING))
        # Mostly shortly after the transfer; 2 % arrive before it and must wait for it.
        at = i - rng.uniform(1, batch) if rng.random() < 0.02 else i + rng.uniform(0, batch / 2)
        stream.append((at, len(stream), decision))
        if rng.random() < 0.02:
            stream.append((at + rng.uniform(0, 2 * batch), len(stream), decision))  # redelivery
        if rng.random() < 0.01:
            rescreen = _screening(event.transfer_id, Action.HOLD, _derived_id(event.transfer_id, "rescreen"))
            stream.append((at + rng.uniform(0, batch), len(stream), rescreen))  # recorded as duplicate
        if decision.action is Action.HOLD and rng.random() < 0.9:
            stream.append((at + rng.uniform(1, 3 * batch), len(stream), _resolve(rng, decision)))
    stream.sort(key=lambda entry: (entry[0], entry[1]))
    records = [record for _, _, record in stream]
    return Workload(list(_cut(records, batch)), transfers, len(records) - transfers)


def _cut(records: list[TransferEvent | Decision], size: int) -> Iterator[Batch]:
    for start in range(0, len(records), size):
        batch = Batch()
        for record in records[start : start + size]:
            if isinstance(record, TransferEvent):
                batch.transfers.append(record)
            else:
                batch.decisions.append(record)
        yield batch


def _derived_id(transfer_id: str, role: str) -> uuid.UUID:
    # Derived from the (per-run) transfer id, so repeated runs on one database never collide.
    return uuid.uuid5(_NAMESPACE, f"{role}:{transfer_id}")


def _transfer(rng: random.Random, transfer_id: str) -> TransferEvent:
    sender, receiver = rng.sample(range(_ACCOUNTS), 2)
    return TransferEvent(
        transfer_id=transfer_id,
        occurred_at=_T0,
        exchange_id="bench-vx",
        asset=rng.choice(("PKTB-3M", "USDT")),
        chain="ethereum",
        amount=Decimal(rng.randint(1, 10_000_000)).scaleb(-2),
        originator=Party(account_id=f"acct-{sender}"),
        beneficiary=Party(account_id=f"acct-{receiver}"),
    )


def _screening(transfer_id: str, action: Action, decision_id: uuid.UUID | None = None) -> Decision:
    return Decision(
        decision_id=decision_id or Decision.system_id(transfer_id),
        transfer_id=transfer_id,
        action=action,
        score=0.9 if action is Action.HOLD else 0.1,
        policy_version="bench",
        watchlist_version="bench",
        decided_at=_T0,
    )


def _resolve(rng: random.Random, held: Decision) -> Decision:
    return Decision(
        decision_id=_derived_id(held.transfer_id, "resolution"),
        transfer_id=held.transfer_id,
        action=held.action,
        score=held.score,
        policy_version=held.policy_version,
        watchlist_version=held.watchlist_version,
        decided_at=held.decided_at + timedelta(hours=1),
        decided_by="officer-bench",
        supersedes=held.decision_id,
        resolution=rng.choice(_RESOLUTIONS),
    )
