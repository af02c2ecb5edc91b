"""The one path every transfer takes into the system, from the HTTP API or from a file."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from schemas import TransferEvent
from schemas.common import utc_now
from services.ingest.adapters.publisher import TransferPublisher
from services.ingest.adapters.store import AcceptedStore
from services.ingest.domain.admission import AdmissionRules, Refusal, refusals
from services.ingest.domain.submission import Plan, plan
from services.ingest.id_locks import IdLocks
from services.ingest.settings import Settings


class ConflictError(Exception):
    """A transfer id is taken (by other content, or by another exchange); nothing of the submission is published."""

    def __init__(self, changed: Sequence[str], unavailable: Sequence[str] = ()) -> None:
        parts = []
        if changed:
            parts.append(f"transfer_id(s) already accepted with different content: {', '.join(changed)}")
        if unavailable:
            # Held by another exchange: saying so, or whose it is, would answer a probe for someone else's ids.
            parts.append(f"transfer_id is not available: {', '.join(unavailable)}")
        super().__init__("; ".join(parts))
        self.changed = tuple(changed)
        self.unavailable = tuple(unavailable)
        self.transfer_ids = (*self.changed, *self.unavailable)


class RefusedError(ValueError):
    """Transfers the admission rules refuse: (position in the submission, refusal). Nothing is published."""

    def __init__(self, refused: Sequence[tuple[int, Refusal]]) -> None:
        super().__init__("; ".join(f"#{i} {r.field}: {r.message}" for i, r in refused))
        self.refused = tuple(refused)


@dataclass(frozen=True)
class Admission:
    """The admission rules with the ingest clock: the impure shell around domain/admission.py."""

    rules: AdmissionRules
    clock: Callable[[], datetime] = utc_now

    @classmethod
    def from_settings(
        cls, settings: Settings, known_exchanges: frozenset[str] = frozenset(), clock: Callable[[], datetime] = utc_now
    ) -> Admission:
        """`known_exchanges`: the exchanges with an API key, so none can take ids in a longer one's namespace."""
        rules = AdmissionRules(
            max_future_skew=timedelta(seconds=settings.max_future_skew_s),
            max_age=timedelta(days=settings.max_age_days),
            require_id_prefix=settings.require_id_prefix,
            known_exchanges=known_exchanges,
        )
        return cls(rules, clock)

    def check(self, event: TransferEvent, now: datetime | None = None) -> list[Refusal]:
        return refusals(event, now or self.clock(), self.rules)

    def refused(self, events: Sequence[TransferEvent]) -> list[tuple[int, Refusal]]:
        now = self.clock()
        return [(i, refusal) for i, event in enumerate(events) for refusal in self.check(event, now)]


class Intake:
    def __init__(self, publisher: TransferPublisher, store: AcceptedStore, admission: Admission) -> None:
        self.publisher = publisher
        self.store = store
        self.admission = admission
        # Per transfer id, not one lock for all: two concurrent copies of the same transfer cannot both
        # be published by this process, and submissions of unrelated ids do not queue behind each other
        # (a submission stuck on an unreachable broker holds only its own ids).
        self._locks = IdLocks()

    async def submit(self, events: Sequence[TransferEvent]) -> Plan:
        """Publish what is new. Raises RefusedError, ConflictError, or BrokerUnavailable (from the publisher)."""
        # Here, on the one path, so that no way in can skip the rules; the loader also asks the same
        # Admission while validating a file, to report a refused row with its line before publishing.
        refused = self.admission.refused(events)
        if refused:
            raise RefusedError(refused)
        ids = [e.transfer_id for e in events]
        async with self._locks.hold(ids):
            holders = await self.store.holders(sorted(set(ids)))
            result = plan(events, {tid: holder.fingerprint for tid, holder in holders.items()})
            if result.conflicts:
                exchange_of = {e.transfer_id: e.exchange_id for e in events}
                taken = dict.fromkeys(
                    tid
                    for tid in result.conflicts
                    if tid in holders and holders[tid].exchange_id != exchange_of[tid]
                )
                changed = [tid for tid in dict.fromkeys(result.conflicts) if tid not in taken]
                raise ConflictError(changed, list(taken))
            # Publish before recording: a crash (or a timeout) in between re-publishes on retry (a
            # duplicate the screener and ledger drop by id) instead of losing the transfer.
            await self.publisher.publish(result.to_publish)
            await self.store.record(result.to_publish)
            return result
