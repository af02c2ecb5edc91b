"""HTTP API of the ledger: thin routes over `LedgerQueries` (read only)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Path
from fastapi.responses import JSONResponse

from services.auth.domain.principal import OFFICERS, Principal, Role
from services.auth.http import Authenticator
from services.ledger.adapters.ledger_queries import LedgerQueries
from services.ledger.consumer import ConsumerStatus
from services.ledger.domain.reports import AccountBalances, LedgerSummary, TransferReport

Identifier = Annotated[str, Path(min_length=1, max_length=128)]


def build_api(queries: LedgerQueries, auth: Authenticator, consumer: ConsumerStatus | None = None) -> FastAPI:
    """Every route but /healthz asks who is calling: an exchange's key reads its own transfers only; the
    summary and balances (every exchange's) are for officers and regulators."""
    api = FastAPI(
        title="AML ledger",
        summary="Reference token ledger that settles transfers only as screening decisions allow.",
        version="1",
    )
    anyone = Depends(auth.require(Role.EXCHANGE, Role.REGULATOR, *OFFICERS))
    supervisors = Depends(auth.require(Role.REGULATOR, *OFFICERS))

    @api.get("/v1/transfers/{transfer_id}", response_model=TransferReport)
    async def get_transfer(transfer_id: Identifier, caller: Principal = anyone) -> TransferReport:
        report = await queries.transfer(transfer_id)
        if report is not None and not caller.sees(report.exchange_id):
            report = None  # another exchange's transfer answers as if it did not exist
        if report is None:
            waiting = await queries.waiting_count(transfer_id)
            detail = f"transfer {transfer_id!r} is not registered in the ledger"
            if waiting and caller.exchange_id is None:
                detail += f" ({waiting} decision(s) received for it are waiting for the transfer)"
            raise HTTPException(status_code=404, detail=detail)
        return report

    @api.get("/v1/summary", response_model=LedgerSummary)
    async def get_summary(caller: Principal = supervisors) -> LedgerSummary:
        return await queries.summary()

    @api.get("/v1/balances/{account_id}", response_model=AccountBalances)
    async def get_balances(account_id: Identifier, caller: Principal = supervisors) -> AccountBalances:
        return await queries.balances(account_id)

    @api.get("/healthz")
    async def healthz() -> JSONResponse:
        body: dict[str, Any] = {"status": "ok", "database": "ok"}
        try:
            await queries.ping()
        except Exception as exc:  # any failure to reach the database means unhealthy
            body.update(status="unavailable", database=f"{type(exc).__name__}: {exc}"[:300])
        if consumer is not None:
            body["consumer"] = {
                "batches": consumer.batches,
                "records": consumer.records,
                "skipped": consumer.skipped,
                "failures": consumer.failures,
                "consecutive_failures": consumer.consecutive_failures,
                "stuck": consumer.stuck,
                "last_error": consumer.last_error,
            }
            if consumer.stuck and body["status"] == "ok":
                # Up, but not applying anything: the same batch keeps failing (see last_error).
                body["status"] = "degraded"
        return JSONResponse(body, status_code=200 if body["status"] == "ok" else 503)

    return api
