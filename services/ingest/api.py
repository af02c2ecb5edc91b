"""HTTP API for exchanges: POST one transfer or a batch; 202 with the accepted ids."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Annotated, Any

import orjson
from fastapi import FastAPI, Header, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from schemas import TransferEvent
from services.ingest.intake import ConflictError, Intake
from services.ingest.settings import Settings


def _field_errors(error: ValidationError, index: int | None) -> list[dict[str, Any]]:
    return [
        {
            "index": index,
            "field": ".".join(str(p) for p in item["loc"]) or "(body)",
            "message": item["msg"],
        }
        for item in error.errors(include_url=False)
    ]


def _parse(body: bytes, max_batch: int) -> list[TransferEvent]:
    """A transfer object, a JSON array of them, or {"transfers": [...]}; every bad field is named."""
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise HTTPException(422, [{"index": None, "field": "(body)", "message": f"invalid JSON: {exc}"}]) from exc
    if isinstance(payload, dict) and set(payload) == {"transfers"}:
        payload = payload["transfers"]
    items = payload if isinstance(payload, list) else [payload]
    if not items:
        raise HTTPException(422, [{"index": None, "field": "(body)", "message": "empty batch"}])
    if len(items) > max_batch:
        raise HTTPException(413, f"batch of {len(items)} exceeds the limit of {max_batch} transfers")
    events: list[TransferEvent] = []
    errors: list[dict[str, Any]] = []
    for i, item in enumerate(items):
        try:
            events.append(TransferEvent.model_validate(item))
        except ValidationError as exc:
            errors.extend(_field_errors(exc, i if isinstance(payload, list) else None))
    if errors:
        # All or nothing: a partly accepted batch is hard for an exchange to reconcile.
        raise HTTPException(422, errors)
    return events


def create_app(settings: Settings, open_intake: Callable[[], AbstractAsyncContextManager[Intake]]) -> FastAPI:
    """`open_intake` is entered for the app's lifetime (the producer needs the running loop)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_intake() as intake:
            app.state.intake = intake
            yield

    app = FastAPI(title="AML ingest", version="1", lifespan=lifespan)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/v1/transfers", status_code=202)
    async def post_transfers(request: Request, x_api_key: Annotated[str | None, Header()] = None) -> JSONResponse:
        exchange = settings.api_keys.get(x_api_key or "")
        if exchange is None:
            raise HTTPException(401, "missing or unknown X-API-Key header")
        events = _parse(await request.body(), settings.max_batch)
        foreign = sorted({e.exchange_id for e in events if e.exchange_id != exchange})
        if foreign:
            raise HTTPException(403, f"API key of exchange {exchange!r} cannot submit for {', '.join(foreign)}")
        try:
            result = await request.app.state.intake.submit(events)
        except ConflictError as exc:
            raise HTTPException(409, {"message": str(exc), "transfer_ids": list(exc.transfer_ids)}) from exc
        # The body is the same for a first submission and a replay ("answers the same");
        # the header says how many were replays.
        ids = list(dict.fromkeys(e.transfer_id for e in events))
        return JSONResponse(
            {"accepted": ids}, status_code=202, headers={"X-Idempotent-Replays": str(len(result.replays))}
        )

    return app
