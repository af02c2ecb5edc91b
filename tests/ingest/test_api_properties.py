"""Property test of the HTTP contract on the real broker: random dates, offsets, strings and numbers in a
transfer get a documented 4xx naming the field, or 202; never a 5xx."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
import pytest_asyncio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.ingest.bootstrap import build_app
from services.ingest.settings import Settings
from tests.factories import transfer
from tests.ingest.keys import exchange_keys
from tests.streams import fresh_topics

pytestmark = [pytest.mark.kafka, pytest.mark.asyncio]

KEY: dict[str, str] = {}  # a real key, made by the test in its auth database
DOCUMENTED = {202, 401, 403, 409, 413, 422}

offsets = st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59).map(lambda m: timezone(timedelta(minutes=m)))
instants = st.one_of(
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=offsets).map(
        lambda d: d.isoformat()
    ),
    st.builds(lambda s: (datetime.now(UTC) + timedelta(seconds=s)).isoformat(), st.integers(-10**9, 10**9)),
    st.sampled_from(["0001-01-01T00:00:00+05:00", "9999-12-31T23:00:00-05:00", "9999-12-31T23:59:59Z", "x"]),
    st.integers(),
    st.floats(allow_nan=False),
    st.none(),
)
strings = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["rupee-vx:a\x00b", "rupee-vx:\u202eb", "indus-digital:t1", "rupee-vx: x", "rupee-vx:ok"]),
)
numbers = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
    st.sampled_from([" 1 ", "1_000", "١٢", "1e3", "-5", "0"]),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
)
fields = st.one_of(
    st.tuples(st.sampled_from(["occurred_at", "originator.date_of_birth"]), instants),
    st.tuples(st.sampled_from(["transfer_id", "exchange_id", "asset", "originator.account_id", "beneficiary.name",
                               "beneficiary.wallet_address", "originator.id_number"]), strings),
    st.tuples(st.sampled_from(["amount", "fiat_value"]), numbers),
)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def client(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[httpx.AsyncClient]:
    names = await fresh_topics(kafka_bootstrap)
    auth, keys = await exchange_keys(tmp_path_factory.mktemp("auth"), ["rupee-vx"])
    KEY["X-API-Key"] = keys["rupee-vx"]
    app = build_app(
        Settings(
            kafka_bootstrap_servers=kafka_bootstrap,
            database_url=f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('ingest') / 'ingest.db'}",
            transfers_topic=names.transfers,
            dlq_topic=names.dlq,
        ),
        auth,
    )
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ingest") as http:
            yield http


def _body(changes: list[tuple[str, Any]]) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(
        transfer(transfer_id=f"rupee-vx:{uuid.uuid4().hex[:12]}", exchange_id="rupee-vx",
                 occurred_at=datetime.now(UTC) - timedelta(minutes=5)).model_dump_json()
    )
    for path, value in changes:
        target = body
        *parents, leaf = path.split(".")
        for name in parents:
            target = target[name]
        target[leaf] = value
    if "fiat_value" in body and body["fiat_value"] is not None:
        body["fiat_currency"] = "PKR"
    return body


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.lists(fields, min_size=1, max_size=3))
async def test_no_input_gets_a_5xx_and_every_refusal_names_a_field(
    client: httpx.AsyncClient, changes: list[tuple[str, Any]]
) -> None:
    answer = await client.post("/v1/transfers", content=json.dumps(_body(changes), allow_nan=True), headers=KEY)
    assert answer.status_code in DOCUMENTED, (answer.status_code, answer.text)
    if answer.status_code == 422:
        detail = answer.json()["detail"]
        assert detail and all(item["field"] and item["message"] for item in detail), detail
