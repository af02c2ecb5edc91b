"""HTTP API for exchanges: POST one transfer or a batch; 202 with the accepted ids."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Annotated, Any, Literal

import orjson
from fastapi import Depends, FastAPI, Header, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from schemas import TransferEvent
from services.auth.domain.principal import Principal, Role
from services.auth.http import Authenticator
from services.ingest.adapters.publisher import BrokerUnavailable
from services.ingest.intake import ConflictError, Intake, RefusedError
from services.ingest.settings import Settings

_COMPONENTS = "#/components/schemas/"


class Accepted(BaseModel):
    accepted: list[str]
    """Every transfer id of the submission, new and replayed alike."""


class Problem(BaseModel):
    detail: str


class FieldError(BaseModel):
    index: int | None
    """Position in the batch; null when the body was a single transfer object."""
    field: str
    message: str


class FieldErrors(BaseModel):
    detail: list[FieldError]


class ConflictDetail(BaseModel):
    message: str
    transfer_ids: list[str]


class Conflict(BaseModel):
    detail: ConflictDetail


class UnavailableDetail(BaseModel):
    message: str
    retry_after_s: int


class Unavailable(BaseModel):
    detail: UnavailableDetail


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    reason: str | None = None


def _field_errors(error: ValidationError, index: int | None) -> list[dict[str, Any]]:
    return [
        {
            "index": index,
            "field": ".".join(str(p) for p in item["loc"]) or "(body)",
            "message": item["msg"],
        }
        for item in error.errors(include_url=False)
    ]


async def _read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it is known to exceed `limit`: from Content-Length before
    reading anything, else (chunked, or a lying header) when the running count passes it."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"body of {int(declared)} bytes exceeds the limit of {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(413, f"body exceeds the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _parse(body: bytes, max_batch: int) -> tuple[list[TransferEvent], bool]:
    """A transfer object, a JSON array of them, or {"transfers": [...]}; every bad field is named.

    Also returns whether the body was a batch (its errors carry an index) or a single object."""
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise HTTPException(422, [{"index": None, "field": "(body)", "message": f"invalid JSON: {exc}"}]) from exc
    if isinstance(payload, dict) and set(payload) == {"transfers"}:
        payload = payload["transfers"]
    batch = isinstance(payload, list)
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
            errors.extend(_field_errors(exc, i if batch else None))
    if errors:
        # All or nothing: a partly accepted batch is hard for an exchange to reconcile.
        raise HTTPException(422, errors)
    return events, batch


def _transfer_schemas() -> dict[str, Any]:
    """TransferEvent and the models it uses, as OpenAPI components (FastAPI cannot see them: the route
    reads the raw body, so it declares no body parameter)."""
    schema = TransferEvent.model_json_schema(ref_template=_COMPONENTS + "{model}", mode="validation")
    nested: dict[str, Any] = schema.pop("$defs", {})
    return {**nested, "TransferEvent": schema}


def _request_body(max_batch: int) -> dict[str, Any]:
    one = {"$ref": _COMPONENTS + "TransferEvent"}
    many = {"type": "array", "items": one, "minItems": 1, "maxItems": max_batch}
    wrapped = {
        "type": "object",
        "properties": {"transfers": many},
        "required": ["transfers"],
        "additionalProperties": False,
    }
    return {
        "requestBody": {
            "required": True,
            "description": "One transfer, a JSON array of them, or {\"transfers\": [...]}.",
            "content": {"application/json": {"schema": {"oneOf": [one, many, wrapped]}}},
        }
    }


_RESPONSES: dict[int | str, dict[str, Any]] = {
    202: {
        "model": Accepted,
        "description": "Published and acknowledged by the broker (or a replay of what was).",
        "headers": {
            "X-Idempotent-Replays": {
                "description": "How many transfers of the submission had been accepted before.",
                "schema": {"type": "integer"},
            }
        },
    },
    401: {"model": Problem, "description": "Missing or unknown X-API-Key."},
    403: {"model": Problem, "description": "A transfer of another exchange than the key's."},
    409: {"model": Conflict, "description": "A transfer_id accepted with other content, or not available."},
    413: {
        "model": Problem,
        "description": "The body is over INGEST_MAX_BODY_BYTES (refused before it is read in full), "
        "or the batch over INGEST_MAX_BATCH transfers.",
    },
    422: {
        "model": FieldErrors,
        "description": "Every bad field: the contract, occurred_at too far from the ingest clock, "
        "a transfer_id outside the exchange's namespace. Nothing was published.",
    },
    503: {
        "model": Unavailable,
        "description": "The broker cannot take the write now; nothing was accepted. Retry after the "
        "Retry-After seconds (a retry may put a duplicate record on Kafka, which consumers drop by id).",
        "headers": {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}},
    },
}


def create_app(
    settings: Settings, open_intake: Callable[[], AbstractAsyncContextManager[Intake]], auth: Authenticator
) -> FastAPI:
    """`open_intake` is entered for the app's lifetime (the producer needs the running loop); `auth` knows the
    exchanges' API keys (the shared auth module)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_intake() as intake:
            app.state.intake = intake
            yield

    app = FastAPI(title="AML ingest", version="1", lifespan=lifespan)

    @app.get(
        "/healthz",
        response_model=Health,
        responses={503: {"model": Health, "description": "The broker is unreachable or the last publish failed."}},
    )
    async def healthz(request: Request) -> JSONResponse:
        intake: Intake = request.app.state.intake
        reason = await intake.publisher.health()
        if reason is None:
            return JSONResponse({"status": "ok"})
        return JSONResponse({"status": "degraded", "reason": reason}, status_code=503)

    exchange_key = Depends(auth.require(Role.EXCHANGE))

    @app.post("/v1/transfers", status_code=202, responses=_RESPONSES, openapi_extra=_request_body(settings.max_batch))
    async def post_transfers(
        request: Request,
        principal: Principal = exchange_key,
        x_api_key: Annotated[str | None, Header(description="The exchange's API key (aml keys create).")] = None,
    ) -> JSONResponse:
        exchange = principal.exchange_id
        if exchange is None:  # an exchange key always names its exchange (AuthStore.create_key)
            raise HTTPException(403, "this API key belongs to no exchange")
        events, batch = _parse(await _read_body(request, settings.max_body_bytes), settings.max_batch)
        foreign = sorted({e.exchange_id for e in events if e.exchange_id != exchange})
        if foreign:
            raise HTTPException(403, f"API key of exchange {exchange!r} cannot submit for {', '.join(foreign)}")
        intake: Intake = request.app.state.intake
        try:
            result = await intake.submit(events)
        except RefusedError as exc:
            errors = [{"index": i if batch else None, "field": r.field, "message": r.message} for i, r in exc.refused]
            raise HTTPException(422, errors) from exc
        except ConflictError as exc:
            raise HTTPException(409, {"message": str(exc), "transfer_ids": list(exc.transfer_ids)}) from exc
        except BrokerUnavailable as exc:
            message = f"the broker cannot take the write now ({exc.reason}); nothing was accepted, retry later"
            raise HTTPException(
                503,
                {"message": message, "retry_after_s": exc.retry_after_s},
                headers={"Retry-After": str(exc.retry_after_s)},
            ) from exc
        # The body is the same for a first submission and a replay ("answers the same");
        # the header says how many were replays.
        ids = list(dict.fromkeys(e.transfer_id for e in events))
        return JSONResponse(
            {"accepted": ids}, status_code=202, headers={"X-Idempotent-Replays": str(len(result.replays))}
        )

    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = generate()
            document.setdefault("components", {}).setdefault("schemas", {}).update(_transfer_schemas())
        return app.openapi_schema or {}

    app.openapi = openapi  # type: ignore[method-assign]
    return app
