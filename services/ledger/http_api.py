"""HTTP API of the ledger: thin routes over `LedgerQueries` (read only)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Path
from fastapi.responses import JSONResponse

from services.ledger.adapters.ledger_queries import LedgerQueries
from services.ledger.consumer import ConsumerStatus
from services.ledger.domain.reports import AccountBalances, LedgerSummary, TransferReport

Identifier = Annotated[str, Path(min_length=1, max_length=128)]


def build_api(queries: LedgerQueries, consumer: ConsumerStatus | None = None) -> FastAPI:
    api = FastAPI(
        title="AML ledger",
        summary="Reference token ledger that settles transfers only as screening decisions allow.",
        version="1",
    )

    @api.get("/v1/transfers/{transfer_id}", response_model=TransferReport)
    async def get_transfer(transfer_id: Identifier) -> TransferReport:
        report = await queries.transfer(transfer_id)
        if report is None:
            waiting = await queries.waiting_count(transfer_id)
            detail = f"transfer {transfer_id!r} is not registered in the ledger"
            if waiting:
                detail += f" ({waiting} decision(s) received for it are waiting for the transfer)"
            raise HTTPException(status_code=404, detail=detail)
        return report

    @api.get("/v1/summary", response_model=LedgerSummary)
    async def get_summary() -> LedgerSummary:
        return await queries.summary()

    @api.get("/v1/balances/{account_id}", response_model=AccountBalances)
    async def get_balances(account_id: Identifier) -> AccountBalances:
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
