"""The officers' HTTP API: the queue, a case with its evidence and history, and actions on it.

Thin routes: who is asking comes from the auth module (session cookie with CSRF, or an API key), the
desk judges, the answer says what happened. A refused action is 409 with the reason; a case the caller
may not see is 404 as if it did not exist.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from schemas.common import utc_now
from services.auth.domain.principal import OFFICERS, Principal
from services.auth.http import Authenticator, login_router
from services.casedesk.adapters.case_store import CaseStore, QueueFilter, case_json
from services.casedesk.desk import CaseNotFound, Desk, Done
from services.casedesk.domain.case import CaseAction
from services.casedesk.intake import IntakeStatus
from services.casedesk.regulator_api import build_regulator_router
from services.casedesk.web import build_web_router

log = logging.getLogger(__name__)


class ActionRequest(BaseModel):
    action: CaseAction
    note: Annotated[str, Field(max_length=4000)] = ""
    assignee: Annotated[str | None, Field(max_length=64)] = None


def build_router(
    store: CaseStore, desk: Desk, auth: Authenticator, after_action: Callable[[], Awaitable[int]]
) -> APIRouter:
    router = APIRouter(prefix="/v1")
    officer = Depends(auth.require(*OFFICERS))

    @router.get("/cases")
    async def queue(
        principal: Principal = officer,
        status: str | None = None,
        action: str | None = None,
        rule: str | None = None,
        exchange: str | None = None,
        assignee: str | None = None,
        older_than_hours: Annotated[float | None, Query(ge=0)] = None,
        q: Annotated[str | None, Query(max_length=200)] = None,
        asset: Annotated[str | None, Query(max_length=32)] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> dict[str, Any]:
        where = QueueFilter(status, action, rule, exchange, assignee, older_than_hours, q, asset)
        found, total = await store.queue(where, principal.exchange_id, utc_now(), limit, offset)
        return {"total": total, "cases": [case_json(c) for c in found]}

    @router.get("/cases/{case_id}")
    async def case(case_id: str, principal: Principal = officer) -> dict[str, Any]:
        try:
            found = await desk.visible_case(case_id, principal)
        except CaseNotFound as exc:
            raise HTTPException(404, f"no case {case_id}") from exc
        transfer_ids = [t for a in found.alerts for t in (a.transfer_id, *a.related_transfer_ids) if t]
        history = await store.history(case_id)
        return {
            "case": case_json(found),
            "sources": await store.sources(case_id),
            "transfers": await store.transfers(transfer_ids),
            "history": [
                {"seq": e.seq, "at": e.at.isoformat(), "actor": e.actor, "action": e.action, "payload": e.payload}
                for e in history
            ],
        }

    @router.post("/cases/{case_id}/actions")
    async def act(case_id: str, body: ActionRequest, principal: Principal = officer) -> dict[str, Any]:
        try:
            result = await desk.act(case_id, principal, body.action, body.note, body.assignee)
        except CaseNotFound as exc:
            raise HTTPException(404, f"no case {case_id}") from exc
        if not isinstance(result, Done):
            raise HTTPException(409, result.reason)
        try:
            await after_action()
        except Exception:  # the resolution stays in the outbox and is sent by the next round
            log.exception("resolution of %s not published yet", case_id)
        return {"case": case_json(result.case), "effects": [type(e).__name__ for e in result.effects]}

    return router


def create_app(
    store: CaseStore,
    desk: Desk,
    auth: Authenticator,
    status: IntakeStatus,
    after_action: Callable[[], Awaitable[int]],
    ledger_url: str | None = None,
) -> FastAPI:
    """The officers' pages first (GET /, and a POST /login that answers a browser with the login page), then
    the auth module's login routes and the JSON API."""
    app = FastAPI(title="AML case desk", version="1")
    app.include_router(build_web_router(store, desk, auth, after_action, ledger_url=ledger_url))
    app.include_router(login_router(auth, home="/"))
    app.include_router(build_router(store, desk, auth, after_action))
    app.include_router(build_regulator_router(store, desk, auth))

    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        stuck = status.stuck  # the same batch keeps failing: nothing new reaches the queue
        body = {
            "status": "degraded" if stuck else "ok",
            "intake": {
                "batches": status.batches,
                "alerts": status.alerts,
                "skipped": status.skipped,
                "failures": status.failures,
                "last_error": status.last_error,
            },
        }
        return JSONResponse(body, status_code=503 if stuck else 200)

    return app
