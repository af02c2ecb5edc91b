"""The exchange HTTP API on the real broker, with the idempotency store on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from schemas import TransferEvent
from schemas.common import utc_now
from services.auth.cli import opened_store
from services.auth.domain.principal import Role
from services.auth.settings import AuthSettings
from services.ingest.bootstrap import build_app
from services.ingest.settings import Settings
from tests.factories import transfer
from tests.ingest.keys import exchange_keys
from tests.streams import Topics, consume_until, fresh_topics

pytestmark = [pytest.mark.kafka, pytest.mark.asyncio]

# Filled with real keys (made in each test's auth database) by `open_api`.
KEY: dict[str, str] = {}
INDUS: dict[str, str] = {}

OpenApi = Callable[..., AbstractAsyncContextManager[tuple[httpx.AsyncClient, Topics, FastAPI]]]


def tid(local: str, exchange: str = "rupee-vx") -> str:
    """A transfer id in the exchange's namespace, as ingest requires by default."""
    return f"{exchange}:{local}"


def as_json(event: TransferEvent) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(event.model_dump_json())
    return loaded


def iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'ingest.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def open_api(kafka_bootstrap: str, tmp_path: Path) -> OpenApi:
    """Start an ingest app on the session's broker with fresh topics and any settings changed."""

    @asynccontextmanager
    async def start(
        database_url: str | None = None, **changes: Any
    ) -> AsyncIterator[tuple[httpx.AsyncClient, Topics, FastAPI]]:
        names = await fresh_topics(kafka_bootstrap)
        auth, keys = await exchange_keys(tmp_path, ["rupee-vx", "indus-digital"])
        KEY["X-API-Key"], INDUS["X-API-Key"] = keys["rupee-vx"], keys["indus-digital"]
        settings = Settings(
            kafka_bootstrap_servers=kafka_bootstrap,
            database_url=database_url or f"sqlite+aiosqlite:///{tmp_path / 'ingest-custom.db'}",
            transfers_topic=names.transfers,
            dlq_topic=names.dlq,
            **changes,
        )
        app = build_app(settings, auth)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://ingest") as client:
                yield client, names, app

    return start


@pytest_asyncio.fixture
async def api(open_api: OpenApi, database_url: str) -> AsyncIterator[tuple[httpx.AsyncClient, Topics]]:
    async with open_api(database_url) as (client, names, _):
        yield client, names


async def _post_marker(client: httpx.AsyncClient) -> str:
    # A fresh id each time: the PostgreSQL store is shared by the session, and a known id is a replay.
    marker = tid(f"marker-{uuid.uuid4().hex[:8]}")
    answer = await client.post("/v1/transfers", content=transfer(transfer_id=marker).model_dump_json(), headers=KEY)
    assert answer.status_code == 202, answer.text
    return marker


async def _published_ids(kafka_bootstrap: str, topic: str, marker: str) -> list[str]:
    """Every transfer id on `topic` up to the record of `marker` (sent last, so the rest is there)."""
    records = await consume_until(kafka_bootstrap, topic, lambda r: any(marker.encode() in x.value for x in r))
    await asyncio.sleep(0.5)  # partitions are read in parallel: let the others catch up past the marker
    return [TransferEvent.model_validate_json(r.value).transfer_id for r in records]


async def test_single_and_batch_are_published_keyed_by_originator(
    api: tuple[httpx.AsyncClient, Topics], kafka_bootstrap: str
) -> None:
    client, names = api
    one = transfer(transfer_id=tid("one"))
    batch = [transfer(transfer_id=tid(f"b{i}")) for i in range(3)]
    r1 = await client.post("/v1/transfers", content=one.model_dump_json(), headers=KEY)
    r2 = await client.post("/v1/transfers", json={"transfers": [as_json(e) for e in batch]}, headers=KEY)
    assert (r1.status_code, r1.json()) == (202, {"accepted": [tid("one")]})
    assert (r2.status_code, r2.json()) == (202, {"accepted": [tid("b0"), tid("b1"), tid("b2")]})
    records = await consume_until(kafka_bootstrap, names.transfers, lambda r: len(r) >= 4)
    assert {TransferEvent.model_validate_json(r.value).transfer_id for r in records} == {
        tid("one"),
        tid("b0"),
        tid("b1"),
        tid("b2"),
    }
    assert {r.key for r in records} == {b"acct-a"}
    health = await client.get("/healthz")
    assert (health.status_code, health.json()) == (200, {"status": "ok"})


async def test_resubmission_answers_the_same_and_publishes_nothing(
    api: tuple[httpx.AsyncClient, Topics], kafka_bootstrap: str
) -> None:
    client, names = api
    body = transfer(transfer_id=tid("dup")).model_dump_json()
    first = await client.post("/v1/transfers", content=body, headers=KEY)
    again = await client.post("/v1/transfers", content=body, headers=KEY)
    assert first.json() == again.json() == {"accepted": [tid("dup")]}
    assert again.headers["X-Idempotent-Replays"] == "1"
    marker = await _post_marker(client)
    published = await _published_ids(kafka_bootstrap, names.transfers, marker)
    assert published.count(tid("dup")) == 1


async def test_the_same_transfer_submitted_concurrently_is_published_once(
    api: tuple[httpx.AsyncClient, Topics], kafka_bootstrap: str
) -> None:
    client, names = api
    body = transfer(transfer_id=tid("race")).model_dump_json()
    # Several copies at once: without a lock per id each would find the id unknown and publish it.
    answers = await asyncio.gather(*(client.post("/v1/transfers", content=body, headers=KEY) for _ in range(5)))
    assert [a.status_code for a in answers] == [202] * 5
    assert sorted(a.headers["X-Idempotent-Replays"] for a in answers) == ["0", "1", "1", "1", "1"]
    marker = await _post_marker(client)
    published = await _published_ids(kafka_bootstrap, names.transfers, marker)
    assert published.count(tid("race")) == 1


async def test_bad_input_gets_4xx_naming_the_problem(api: tuple[httpx.AsyncClient, Topics]) -> None:
    client, _ = api
    good = as_json(transfer(transfer_id=tid("g")))
    bad = {**good, "transfer_id": "x", "amount": "-1", "originator": {"name": "no account"}}
    r = await client.post("/v1/transfers", json=[good, bad], headers=KEY)
    assert r.status_code == 422
    fields = {(e["index"], e["field"]) for e in r.json()["detail"]}
    assert fields == {(1, "amount"), (1, "originator.account_id")}
    assert (await client.post("/v1/transfers", content=b"{nope", headers=KEY)).status_code == 422
    assert (await client.post("/v1/transfers", json=good)).status_code == 401
    other = {**good, "exchange_id": "someone-else"}
    assert (await client.post("/v1/transfers", json=other, headers=KEY)).status_code == 403
    await client.post("/v1/transfers", json=good, headers=KEY)
    changed = {**good, "asset": "USDT"}
    conflict = await client.post("/v1/transfers", json=changed, headers=KEY)
    assert conflict.status_code == 409 and conflict.json()["detail"]["transfer_ids"] == [tid("g")]
    assert "already accepted with different content" in conflict.json()["detail"]["message"]


async def test_event_time_and_id_scope_are_refused_with_422_and_nothing_is_published(
    open_api: OpenApi, kafka_bootstrap: str
) -> None:
    now = datetime.now(UTC)
    async with open_api() as (client, names, _):
        ahead = {**as_json(transfer(transfer_id=tid("ahead"))), "occurred_at": iso(now + timedelta(hours=2))}
        single = await client.post("/v1/transfers", json=ahead, headers=KEY)
        assert single.status_code == 422
        [error] = single.json()["detail"]
        assert (error["index"], error["field"]) == (None, "occurred_at")
        assert "ahead of the ingest clock" in error["message"] and "the limit is 300 s ahead" in error["message"]

        old = {**as_json(transfer(transfer_id=tid("old"))), "occurred_at": iso(now - timedelta(days=3651))}
        fine = as_json(transfer(transfer_id=tid("fine"), occurred_at=now - timedelta(days=1)))
        batch = await client.post("/v1/transfers", json=[fine, old], headers=KEY)
        assert batch.status_code == 422
        [error] = batch.json()["detail"]
        assert (error["index"], error["field"]) == (1, "occurred_at")
        assert "behind the ingest clock" in error["message"] and "the limit is 3650 days behind" in error["message"]

        # Ids must be in the submitting exchange's namespace: not another's, not none.
        for foreign in (tid("t1", "indus-digital"), "t1", "rupee-vxt1"):
            refused = await client.post("/v1/transfers", json=as_json(transfer(transfer_id=foreign)), headers=KEY)
            assert refused.status_code == 422, foreign
            assert [(e["index"], e["field"]) for e in refused.json()["detail"]] == [(None, "transfer_id")]

        marker = await _post_marker(client)
        published = await _published_ids(kafka_bootstrap, names.transfers, marker)
        assert published == [marker]  # "fine" too: a batch is all or nothing


async def test_without_the_prefix_rule_another_exchanges_id_is_only_not_available(open_api: OpenApi) -> None:
    async with open_api(require_id_prefix=False) as (client, _, _):
        mine = as_json(transfer(transfer_id="shared-1"))
        assert (await client.post("/v1/transfers", json=mine, headers=KEY)).status_code == 202
        theirs = as_json(transfer(transfer_id="shared-1", exchange_id="indus-digital"))
        answer = await client.post("/v1/transfers", json=theirs, headers=INDUS)
        assert answer.status_code == 409
        text = answer.text
        assert answer.json()["detail"]["message"] == "transfer_id is not available: shared-1"
        assert "rupee" not in text and "already accepted" not in text and "different content" not in text


async def _chunks(sent: list[int], size: int, count: int) -> AsyncIterator[bytes]:
    for _ in range(count):
        sent[0] += 1
        yield b" " * size


async def test_a_body_over_the_limit_is_refused_before_it_is_read(open_api: OpenApi) -> None:
    limit = 4096
    async with open_api(max_body_bytes=limit) as (client, _, _):
        # Declared too large: refused from the header, not one chunk read.
        sent = [0]
        declared = await client.post(
            "/v1/transfers",
            content=_chunks(sent, 1024, 64),
            headers={**KEY, "Content-Length": str(64 * 1024), "Content-Type": "application/json"},
        )
        assert declared.status_code == 413 and "exceeds the limit of 4096 bytes" in declared.json()["detail"]
        assert sent[0] == 0

        # Streamed (chunked, no Content-Length): refused once the running count passes the limit.
        sent = [0]
        streamed = await client.post("/v1/transfers", content=_chunks(sent, 1024, 1000), headers=KEY)
        assert "content-length" not in streamed.request.headers
        assert streamed.status_code == 413
        assert sent[0] <= limit // 1024 + 2, sent[0]

        # Under the limit, the same route parses as usual.
        small = await client.post("/v1/transfers", json=as_json(transfer(transfer_id=tid("s"))), headers=KEY)
        assert small.status_code == 202


async def test_the_openapi_document_describes_the_body_and_every_answer(open_api: OpenApi) -> None:
    async with open_api() as (client, _, _):
        document = (await client.get("/openapi.json")).json()
    post = document["paths"]["/v1/transfers"]["post"]
    shapes = post["requestBody"]["content"]["application/json"]["schema"]["oneOf"]
    one = {"$ref": "#/components/schemas/TransferEvent"}
    assert shapes[0] == one and shapes[1]["items"] == one
    assert shapes[2]["properties"]["transfers"]["items"] == one and shapes[2]["required"] == ["transfers"]
    schemas = document["components"]["schemas"]
    assert {"transfer_id", "occurred_at", "exchange_id", "originator"} <= set(schemas["TransferEvent"]["properties"])

    def refs(node: Any) -> list[str]:
        if isinstance(node, dict):
            own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
            return own + [r for value in node.values() for r in refs(value)]
        if isinstance(node, list):
            return [r for value in node for r in refs(value)]
        return []

    dangling = {r for r in refs(document) if r.removeprefix("#/components/schemas/") not in schemas}
    assert not dangling
    responses = post["responses"]
    assert {"202", "401", "403", "409", "413", "422", "503"} <= set(responses)
    for code in ("202", "401", "403", "409", "413", "422", "503"):
        assert "$ref" in responses[code]["content"]["application/json"]["schema"], code
    assert "Retry-After" in responses["503"]["headers"]
    assert "X-Idempotent-Replays" in responses["202"]["headers"]
    assert responses["422"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/FieldErrors"}
    assert "503" in document["paths"]["/healthz"]["get"]["responses"]


async def test_a_kafka_error_from_the_producer_is_a_503_never_a_500(open_api: OpenApi) -> None:
    async with open_api() as (client, _, app):
        first = await client.post("/v1/transfers", json=as_json(transfer(transfer_id=tid("k1"))), headers=KEY)
        assert first.status_code == 202
        # A closed producer fails the send with aiokafka's own error at once (no timeout involved).
        await app.state.intake.publisher.producer.stop()
        answer = await client.post("/v1/transfers", json=as_json(transfer(transfer_id=tid("k2"))), headers=KEY)
        assert answer.status_code == 503, answer.text
        assert "refused the write" in answer.json()["detail"]["message"]
        assert answer.headers["Retry-After"] == "5"
        health = await client.get("/healthz")
        assert health.status_code == 503 and health.json()["status"] == "degraded"


async def test_only_a_live_exchange_key_may_submit(open_api: OpenApi, tmp_path: Path) -> None:
    async with open_api() as (client, _, _app):
        body = as_json(transfer(transfer_id=tid("keyed")))
        assert (await client.post("/v1/transfers", json=body, headers={"X-API-Key": "k-rupee"})).status_code == 401
        settings = AuthSettings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'auth.db'}")
        async with opened_store(settings) as store:
            regulator = await store.create_key("fmu", Role.REGULATOR, None, utc_now())
            await store.revoke_key(KEY["X-API-Key"].split("_")[1], utc_now())
        refused = await client.post("/v1/transfers", json=body, headers={"X-API-Key": regulator})
        assert refused.status_code == 403 and "regulator" in refused.text
        assert (await client.post("/v1/transfers", json=body, headers=KEY)).status_code == 401  # revoked
        assert (await client.post("/v1/transfers", json=body, headers=INDUS)).status_code == 403  # another exchange's


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("occurred_at", "0001-01-01T00:00:00+05:00", "occurred_at"),  # the UTC conversion used to overflow: 500
        ("occurred_at", "9999-12-31T23:00:00-05:00", "occurred_at"),
        ("occurred_at", 1_700_000_000, "occurred_at"),  # an integer epoch
        ("originator.account_id", "acct\x00x", "originator.account_id"),  # a NUL stalled PostgreSQL
        ("transfer_id", "rupee-vx:\x00t", "transfer_id"),
        ("originator.account_id", "acct\u202ex", "originator.account_id"),  # a bidi override
        ("beneficiary.name", "Ali\u200bKhan", "beneficiary.name"),  # a zero-width space
        ("amount", " 1 ", "amount"),
        ("amount", "1_000", "amount"),
        ("amount", "١٢", "amount"),  # Arabic-Indic digits
        ("amount", 1.000000000000000001, "amount"),  # a JSON fraction: a binary float by the time it is read
    ],
)
async def test_what_the_contract_cannot_carry_is_a_422_naming_the_field(
    api: tuple[httpx.AsyncClient, Topics], path: str, value: Any, field: str
) -> None:
    client, _ = api
    body = as_json(transfer(transfer_id=tid(f"bad-{uuid.uuid4().hex[:8]}")))
    target = body
    *parents, leaf = path.split(".")
    for name in parents:
        target = target[name]
    target[leaf] = value
    answer = await client.post("/v1/transfers", content=json.dumps(body), headers=KEY)
    assert answer.status_code == 422, answer.text
    assert [item["field"] for item in answer.json()["detail"]] == [field]
