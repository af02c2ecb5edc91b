"""HTTP API over a real database (SQLite and PostgreSQL), through the ASGI app in process."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from schemas import Action, Resolution
from services.auth.adapters.store import AuthStore
from services.auth.domain.principal import Role
from services.auth.http import Authenticator
from services.database import create_engine
from services.ledger.adapters.ledger_queries import LedgerQueries
from services.ledger.consumer import ConsumerStatus
from services.ledger.http_api import build_api
from services.ledger.ledger import Ledger
from tests.factories import party, transfer
from tests.ledger.builders import resolution, screening
from tests.support.auth import auth_settings, machine_key

pytestmark = pytest.mark.asyncio


@dataclass
class Keys:
    regulator: str
    own: str
    """An exchange key of rupee-vx, the exchange of every seeded transfer (tests/factories.transfer)."""
    other: str


@pytest_asyncio.fixture
async def keys_and_api(engine: AsyncEngine, tmp_path: Path) -> AsyncIterator[tuple[Keys, FastAPI]]:
    settings = auth_settings(tmp_path)
    keys = Keys(
        await machine_key(settings),
        await machine_key(settings, Role.EXCHANGE, "rupee-vx"),
        await machine_key(settings, Role.EXCHANGE, "indus-digital"),
    )
    auth_engine = create_engine(settings.database_url)
    api = build_api(
        LedgerQueries(engine), Authenticator(AuthStore(auth_engine), settings), ConsumerStatus(batches=3, records=7)
    )
    yield keys, api
    await auth_engine.dispose()


@pytest_asyncio.fixture
async def client(keys_and_api: tuple[Keys, FastAPI]) -> AsyncIterator[httpx.AsyncClient]:
    keys, api = keys_and_api
    transport = httpx.ASGITransport(app=api)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://ledger", headers={"X-API-Key": keys.regulator}
    ) as client:
        yield client


async def _seed(ledger: Ledger) -> None:
    hold = screening("t-held", Action.HOLD)
    moves = [
        transfer(
            transfer_id=tid, asset=asset, amount=Decimal(amount), originator=party("alice"), beneficiary=party("bob")
        )
        for tid, asset, amount in [
            ("t-ok", "PKTB-3M", "100.25"),
            ("t-flag", "PKTB-3M", "0.75"),
            ("t-held", "USDT", "40"),
            ("t-open", "USDT", "5"),
        ]
    ]
    await ledger.apply(moves, [screening("t-ok"), screening("t-flag", Action.FLAG), hold])
    rescreen = screening("t-ok", Action.HOLD, decision_id=uuid.uuid4())
    await ledger.apply(decisions=[resolution(hold, Resolution.RELEASE), rescreen])
    await ledger.apply(decisions=[screening("t-ghost")])


async def test_transfer_with_its_decision_history(ledger: Ledger, client: httpx.AsyncClient) -> None:
    await _seed(ledger)
    response = await client.get("/v1/transfers/t-held")
    assert response.status_code == 200
    body = response.json()
    keys = ("transfer_id", "state", "asset", "amount", "originator_account", "beneficiary_account")
    assert {k: body[k] for k in keys} == {
        "transfer_id": "t-held",
        "state": "settled",
        "asset": "USDT",
        "amount": "40",
        "originator_account": "alice",
        "beneficiary_account": "bob",
    }
    history = body["decisions"]
    assert [(d["action"], d["resolution"], d["status"], d["applied"]) for d in history] == [
        ("hold", None, "applied", True),
        ("hold", "release", "applied", True),
    ]
    assert body["effective_decision_id"] == history[1]["decision_id"]
    assert history[1]["supersedes"] == history[0]["decision_id"]


async def test_ignored_duplicate_shows_in_history(ledger: Ledger, client: httpx.AsyncClient) -> None:
    await _seed(ledger)
    history = (await client.get("/v1/transfers/t-ok")).json()["decisions"]
    assert [(d["status"], d["applied"]) for d in history] == [("applied", True), ("duplicate", False)]
    assert "first system decision is effective" in history[1]["note"]


async def test_unknown_transfer_is_404_with_a_clear_message(ledger: Ledger, client: httpx.AsyncClient) -> None:
    await _seed(ledger)
    unknown = await client.get("/v1/transfers/t-nope")
    assert unknown.status_code == 404
    assert unknown.json() == {"detail": "transfer 't-nope' is not registered in the ledger"}
    ghost = await client.get("/v1/transfers/t-ghost")
    assert ghost.status_code == 404
    assert "1 decision(s) received for it are waiting" in ghost.json()["detail"]


async def test_summary_counts_every_state_and_totals(ledger: Ledger, client: httpx.AsyncClient) -> None:
    await _seed(ledger)
    body = (await client.get("/v1/summary")).json()
    assert body["states"] == {"pending": 1, "settled": 3, "escrowed": 0, "returned": 0, "frozen": 0}
    assert body["total_transfers"] == 4
    assert body["totals"]["settled"] == {"count": 3, "amounts": {"PKTB-3M": "101", "USDT": "40"}}
    assert body["totals"]["pending"] == {"count": 1, "amounts": {"USDT": "5"}}
    assert body["totals"]["frozen"] == {"count": 0, "amounts": {}}
    assert body["decisions"] == {"applied": 4, "duplicate": 1, "rejected": 0, "waiting": 1}


async def test_balances_of_an_account(ledger: Ledger, client: httpx.AsyncClient) -> None:
    await _seed(ledger)
    hold = screening("t-2", Action.HOLD)
    await ledger.apply(
        [transfer(transfer_id="t-2", asset="USDT", amount=Decimal("2.5"), originator=party("alice"))], [hold]
    )
    body = (await client.get("/v1/balances/alice")).json()
    assert body == {
        "account_id": "alice",
        "balances": [
            {"asset": "PKTB-3M", "balance": "-101", "escrowed": "0", "available": "-101"},
            {"asset": "USDT", "balance": "-40", "escrowed": "2.5", "available": "-42.5"},
        ],
    }
    assert (await client.get("/v1/balances/nobody")).json() == {"account_id": "nobody", "balances": []}


async def test_healthz(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["database"]) == ("ok", "ok")
    assert body["consumer"]["batches"] == 3


async def test_healthz_reports_an_unreachable_database() -> None:
    broken = create_engine("sqlite+aiosqlite:////dev/null/no-folder/ledger.db")
    try:
        auth = Authenticator(AuthStore(broken), auth_settings(Path("/dev/null")))
        api = build_api(LedgerQueries(broken), auth)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api), base_url="http://ledger") as client:
            response = await client.get("/healthz")
    finally:
        await broken.dispose()
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


async def test_every_read_asks_who_is_calling_and_an_exchange_sees_only_its_own(
    ledger: Ledger, keys_and_api: tuple[Keys, FastAPI]
) -> None:
    await _seed(ledger)
    keys, api = keys_and_api
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api), base_url="http://ledger") as client:
        for path in ("/v1/transfers/t-ok", "/v1/summary", "/v1/balances/alice"):
            assert (await client.get(path)).status_code == 401, path
            assert (await client.get(path, headers={"X-API-Key": "aml_forged00_" + "x" * 40})).status_code == 401
        own, other = {"X-API-Key": keys.own}, {"X-API-Key": keys.other}
        assert (await client.get("/v1/transfers/t-ok", headers=own)).json()["exchange_id"] == "rupee-vx"
        # Another exchange's transfer answers as one that does not exist (and says nothing of waiting decisions).
        hidden = await client.get("/v1/transfers/t-ok", headers=other)
        assert hidden.status_code == 404
        assert hidden.json()["detail"] == "transfer 't-ok' is not registered in the ledger"
        assert (await client.get("/v1/summary", headers=own)).status_code == 403  # every exchange's figures
        assert (await client.get("/v1/balances/alice", headers=own)).status_code == 403
        assert (await client.get("/healthz")).status_code == 200
