"""The case desk's use cases: file what the screener raises, and carry out an officer's action.

Read, judge, write, as the ledger does: the case is read (locked) inside one transaction, the pure
domain (`domain/case.decide`) judges the action, and the changed case, its audit entries and what is to be
published (resolutions for the ledger, and the report and suppression tasks) are written together. The
publisher (adapters/outbox.py) sends the outbox afterwards, so a crash in between re-sends rather than
loses a resolution; resolution ids are derived, so a re-send is a duplicate the ledger drops.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from schemas import Decision
from schemas.common import utc_now
from schemas.decision import DECISION_NAMESPACE
from services.auth.domain.principal import Principal
from services.casedesk.adapters.case_store import CaseStore
from services.casedesk.adapters.tables import alerts
from services.casedesk.domain.case import Accepted, Case, CaseAction, Refused, decide
from services.casedesk.domain.effect import Effect, LiftFreeze, RecordSuppression, ReportDue, ResolveTransfer
from services.casedesk.domain.officer import Actor
from services.database import write_transaction

RESOLUTION = "resolution"
"""Outbox kind published on the decisions topic; the other kinds are tasks recorded for later stages."""


class CaseNotFound(LookupError):
    """No such case, or not one this caller may see (the two answer the same, so ids do not leak)."""


@dataclass(frozen=True, slots=True)
class Done:
    case: Case
    effects: tuple[Effect, ...]


def resolution_id(supersedes: str, resolution: str) -> uuid.UUID:
    """Derived: the same officer outcome for the same hold always has the same decision id."""
    return uuid.uuid5(DECISION_NAMESPACE, f"resolution:{supersedes}:{resolution}")


def _resolution(effect: ResolveTransfer, held: Mapping[str, Any], now: datetime) -> Decision:
    return Decision(
        decision_id=resolution_id(effect.supersedes, effect.resolution.value),
        transfer_id=effect.transfer_id,
        action=held["action"],
        score=held["score"],
        reasons=(),
        policy_version=held["policy_version"],
        watchlist_version=held["watchlist_version"],
        decided_at=now,
        # Both officers of a four-eyes resolution, maker first: each is an authenticated user name.
        decided_by=effect.decided_by if effect.approved_by is None else f"{effect.decided_by}/{effect.approved_by}",
        supersedes=uuid.UUID(effect.supersedes),
        resolution=effect.resolution,
    )


def _task(effect: Effect) -> tuple[str, str, dict[str, Any]]:
    if isinstance(effect, RecordSuppression):
        return (
            "suppression",
            effect.entry_key,
            {
                "entry_key": effect.entry_key,
                "account_id": effect.account_id,
                "party_name": effect.party_name,
                "decided_by": effect.decided_by,
                "approved_by": effect.approved_by,
            },
        )
    if isinstance(effect, ReportDue):
        return (
            "report",
            effect.kind.value,
            {
                "kind": effect.kind.value,
                "due_at": effect.due_at.isoformat(),
                "subjects": list(effect.subjects),
                "decided_by": effect.decided_by,
                "approved_by": effect.approved_by,
            },
        )
    if isinstance(effect, LiftFreeze):
        return (
            "lift_freeze",
            effect.transfer_id,
            {"transfer_id": effect.transfer_id, "decided_by": effect.decided_by, "approved_by": effect.approved_by},
        )
    raise TypeError(type(effect).__name__)


class Desk:
    def __init__(self, store: CaseStore, clock: Callable[[], datetime] = utc_now) -> None:
        self.store = store
        self.clock = clock

    async def visible_case(self, case_id: str, principal: Principal) -> Case:
        case = await self.store.case(case_id)
        if case is None or not principal.sees(case.exchange_id):
            raise CaseNotFound(case_id)
        return case

    async def act(
        self, case_id: str, principal: Principal, action: CaseAction, note: str = "", assignee: str | None = None
    ) -> Done | Refused:
        """Judge and carry out one action by the authenticated `principal` (never a name from the request)."""
        actor = Actor(principal.name, principal.role)
        now = self.clock()
        async with write_transaction(self.store.engine) as connection:
            case = await self.store.case(case_id, connection)
            if case is None or not principal.sees(case.exchange_id):
                raise CaseNotFound(case_id)
            verdict = decide(case, action, actor, now, needs_four_eyes=False, note=note, assignee=assignee)
            if isinstance(verdict, Refused):
                return verdict
            assert isinstance(verdict, Accepted)
            audit_entries = [(e.actor, e.action.value, e.payload()) for e in verdict.events]
            outbound: list[tuple[str, str, dict[str, Any]]] = []
            for effect in verdict.effects:
                if isinstance(effect, ResolveTransfer):
                    held = (
                        await connection.execute(alerts.select().where(alerts.c.alert_id == effect.supersedes))
                    ).first()
                    if held is None:
                        raise LookupError(f"the hold {effect.supersedes} of {effect.transfer_id} is not on file")
                    decision = _resolution(effect, held.source, now)
                    outbound.append((RESOLUTION, decision.transfer_id, decision.model_dump(mode="json")))
                    audit_entries.append(
                        (
                            principal.name,
                            "resolution",
                            {
                                "transfer_id": effect.transfer_id,
                                "resolution": effect.resolution.value,
                                "decision_id": str(decision.decision_id),
                                "supersedes": effect.supersedes,
                                "approved_by": effect.approved_by,
                            },
                        )
                    )
                else:
                    kind, key, body = _task(effect)
                    outbound.append((kind, key, body))
                    audit_entries.append((principal.name, kind, body))
            await self.store.save(connection, verdict.case, now, audit_entries, outbound)
        return Done(verdict.case, verdict.effects)
