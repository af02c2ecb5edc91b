"""The regulator's read-only API: cases over a date range, and one case with its whole history.

Regulator role only (officers use /v1/cases; an exchange never sees cases), and every pull is an audit entry
with who asked for what, so the chain shows each disclosure to the supervisor.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from datetime import date as Date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query

from schemas.common import utc_now
from services.auth.domain.principal import Principal, Role
from services.auth.http import Authenticator
from services.casedesk.adapters.case_store import CaseStore, QueueFilter, case_json
from services.casedesk.desk import CaseNotFound, Desk


def _start_of(day: Date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time(), tzinfo=UTC)


def build_regulator_router(store: CaseStore, desk: Desk, auth: Authenticator) -> APIRouter:
    router = APIRouter(prefix="/v1/regulator")
    regulator = Depends(auth.require(Role.REGULATOR))

    @router.get("/cases")
    async def cases(
        principal: Principal = regulator,
        from_: Annotated[Date | None, Query(alias="from", description="first day, UTC (opened on or after)")] = None,
        to: Annotated[Date | None, Query(description="day after the last, UTC (opened before)")] = None,
        status: Annotated[str | None, Query(max_length=24)] = "all",
        action: Annotated[str | None, Query(pattern="^(hold|flag)$")] = None,
        rule: Annotated[str | None, Query(max_length=100)] = None,
        exchange: Annotated[str | None, Query(max_length=128)] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> dict[str, Any]:
        now = utc_now()
        where = QueueFilter(status, action, rule, exchange, opened_from=_start_of(from_), opened_to=_start_of(to))
        found, total = await store.queue(where, principal.exchange_id, now, limit, offset)
        asked = {
            "from": str(from_ or ""),
            "to": str(to or ""),
            "status": status,
            "action": action,
            "rule": rule,
            "exchange": exchange,
            "limit": limit,
            "offset": offset,
            "returned": len(found),
        }
        await store.audit(principal.name, "regulator_pull", "cases", asked, now)
        return {"total": total, "cases": [case_json(c) for c in found]}

    @router.get("/cases/{case_id}")
    async def case(case_id: str, principal: Principal = regulator) -> dict[str, Any]:
        try:
            found = await desk.visible_case(case_id, principal)
        except CaseNotFound as exc:
            raise HTTPException(404, f"no case {case_id}") from exc
        await store.audit(principal.name, "regulator_pull", case_id, {"case": case_id}, utc_now())
        transfer_ids = [t for a in found.alerts for t in (a.transfer_id, *a.related_transfer_ids) if t]
        return {
            "case": case_json(found),
            "sources": await store.sources(case_id),
            "transfers": await store.transfers(transfer_ids),
            "history": [
                {"seq": e.seq, "at": e.at.isoformat(), "actor": e.actor, "action": e.action, "payload": e.payload}
                for e in await store.history(case_id)
            ],
        }

    return router
