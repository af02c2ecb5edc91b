"""The exchange HTTP API on the real broker, with the idempotency store on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from schemas import TransferEvent
from services.ingest.bootstrap import build_app
from services.ingest.settings import Settings
from tests.factories import transfer
from tests.streams import Topics, consume_until, fresh_topics

pytestmark = [pytest.mark.kafka, pytest.mark.asyncio]

KEY = {"X-API-Key": "k-rupee"}


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'ingest.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest_asyncio.fixture
async def api(kafka_bootstrap: str, database_url: str) -> AsyncIterator[tuple[httpx.AsyncClient, Topics]]:
    names = await fresh_topics(kafka_bootstrap)
    settings = Settings(
        kafka_bootstrap_servers=kafka_bootstrap,
        database_url=database_url,
        api_keys={"k-rupee": "rupee-vx"},
        transfers_topic=names.transfers,
        dlq_topic=names.dlq,
    )
    app = build_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ingest") as client:
            yield client, names


async def test_single_and_batch_are_published_keyed_by_originator(
    api: tuple[httpx.AsyncClient, Topics], kafka_bootstrap: str
) -> None:
    client, names = api
    one = transfer(transfer_id="one")
    batch = [transfer(transfer_id=f"b{i}") for i in range(3)]
    r1 = await client.post("/v1/transfers", content=one.model_dump_json(), headers=KEY)
    r2 = await client.post(
        "/v1/transfers", json={"transfers": [json.loads(e.model_dump_json()) for e in batch]}, headers=KEY
    )
    assert (r1.status_code, r1.json()) == (202, {"accepted": ["one"]})
    assert (r2.status_code, r2.json()) == (202, {"accepted": ["b0", "b1", "b2"]})
    records = await consume_until(kafka_bootstrap, names.transfers, lambda r: len(r) >= 4)
    assert {TransferEvent.model_validate_json(r.value).transfer_id for r in records} == {"one", "b0", "b1", "b2"}
    assert {r.key for r in records} == {b"acct-a"}


async def test_resubmission_answers_the_same_and_publishes_nothing(
    api: tuple[httpx.AsyncClient, Topics], kafka_bootstrap: str
) -> None:
    client, names = api
    body = transfer(transfer_id="dup").model_dump_json()
    first = await client.post("/v1/transfers", content=body, headers=KEY)
    again = await client.post("/v1/transfers", content=body, headers=KEY)
    assert first.json() == again.json() == {"accepted": ["dup"]}
    assert again.headers["X-Idempotent-Replays"] == "1"
    marker = transfer(transfer_id="marker").model_dump_json()
    await client.post("/v1/transfers", content=marker, headers=KEY)
    records = await consume_until(kafka_bootstrap, names.transfers, lambda r: any(b'"marker"' in x.value for x in r))
    await asyncio.sleep(0.5)
    assert sum(b'"dup"' in r.value for r in records) == 1


async def test_bad_input_gets_4xx_naming_the_problem(api: tuple[httpx.AsyncClient, Topics]) -> None:
    client, _ = api
    good = json.loads(transfer(transfer_id="g").model_dump_json())
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
    assert conflict.status_code == 409 and conflict.json()["detail"]["transfer_ids"] == ["g"]
