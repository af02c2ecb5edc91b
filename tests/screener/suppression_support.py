"""Test helpers for false-positive memory: a case desk on a real database, and a case closed as a false
positive with four eyes the way officers do it (absorbed from the screener's hold, `Desk.act` twice)."""

from __future__ import annotations

from dataclasses import dataclass

from schemas import Decision, TransferEvent
from schemas.common import utc_now
from services.auth.domain.principal import Principal, Role
from services.casedesk.adapters.case_store import CaseStore, case_id_for
from services.casedesk.desk import Desk, Done
from services.casedesk.domain.alert import CaseAlert
from services.casedesk.domain.effect import RecordSuppression
from services.casedesk.domain.officer import CaseAction
from services.casedesk.domain.priority import DEFAULT_SLA_HOURS
from services.database import create_engine, upgrade_schema

MAKER = Principal("amina", Role.ANALYST)
CHECKER = Principal("bilal", Role.SENIOR)
MAKER_NOTE = "Customer born 1990, the listed Wei Zhang in 1977; CNIC checked against NADRA."
CHECKER_NOTE = "Agreed: different person."


async def case_store(url: str) -> CaseStore:
    engine = create_engine(url)
    await upgrade_schema(engine, "services.casedesk")
    return CaseStore(engine)


@dataclass(frozen=True)
class Closed:
    case_id: str
    suppressions: tuple[RecordSuppression, ...]


async def file_hold(store: CaseStore, held: Decision, event: TransferEvent | None) -> str:
    """File the screener's hold (and the transfer, unless None) as the desk's intake does; the case id."""
    if event is not None:
        await store.record_transfers([event])
    alert = CaseAlert.from_decision(held, event.exchange_id if event is not None else None)
    assert alert is not None, "not a hold or flag"
    assert await store.absorb([(alert, held.model_dump(mode="json"))], utc_now(), DEFAULT_SLA_HOURS) == 1
    return case_id_for(alert.alert_id)


async def close_as_false_positive(store: CaseStore, case_id: str) -> Closed:
    """An analyst proposes closing the case as a false positive, a senior approves it."""
    desk = Desk(store)
    proposed = await desk.act(case_id, MAKER, CaseAction.CLOSE_FALSE_POSITIVE, MAKER_NOTE)
    assert isinstance(proposed, Done) and proposed.effects == (), proposed
    approved = await desk.act(case_id, CHECKER, CaseAction.APPROVE, CHECKER_NOTE)
    assert isinstance(approved, Done), approved
    return Closed(case_id, tuple(e for e in approved.effects if isinstance(e, RecordSuppression)))
