"""With a ledger URL, the case page asks the ledger (its read API, on a real port) where each transfer stands,
as the signed-in officer; a ledger that is down, slow or refusing reads "unavailable" and the page still shows."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import httpx
import lxml.html
import pytest
import pytest_asyncio
from fastapi import FastAPI, HTTPException, Request

from services.auth.http import COOKIE, login_router
from services.casedesk.web import build_web_router
from services.http_server import bind, serving
from tests.casedesk.web.conftest import Web, nodes, sign_in

pytestmark = pytest.mark.asyncio


class FakeLedger:
    def __init__(self) -> None:
        self.asked: list[tuple[str, str | None]] = []
        self.delay_s = 0.0
        self.app = FastAPI()

        @self.app.get("/v1/transfers/{transfer_id}")
        async def transfer(transfer_id: str, request: Request) -> dict[str, str]:
            self.asked.append((transfer_id, request.cookies.get(COOKIE)))
            await asyncio.sleep(self.delay_s)
            if request.cookies.get(COOKIE) is None:
                raise HTTPException(401, "sign in")
            if transfer_id == "exA:t-2001":
                return {"transfer_id": transfer_id, "state": "escrowed"}
            raise HTTPException(404, "not registered")


@pytest_asyncio.fixture
async def ledger() -> AsyncIterator[tuple[FakeLedger, str]]:
    fake = FakeLedger()
    async with serving(fake.app, bind("127.0.0.1", 0)) as port:
        yield fake, f"http://127.0.0.1:{port}/"


def client_for(web: Web, ledger_url: str) -> httpx.AsyncClient:
    app = FastAPI()
    app.include_router(build_web_router(web.store, web.desk, web.auth, lambda: asyncio.sleep(0, 0), ledger_url))
    app.include_router(login_router(web.auth, home="/"))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://desk")


def ledger_column(html: str) -> dict[str, str]:
    rows = nodes(lxml.html.fromstring(html), '//table[@class="transfers"]/tbody/tr')
    return {nodes(r, "./td")[0].text_content(): nodes(r, './td[@class="ledger"]')[0].text_content() for r in rows}


async def test_the_case_page_shows_the_ledger_state_asked_as_the_officer(
    web: Web, ledger: tuple[FakeLedger, str]
) -> None:
    fake, url = ledger
    async with client_for(web, url) as client:
        await sign_in(client, "amina")
        page = await client.get(f"/cases/{web.seeded.wallet}")
        assert page.status_code == 200
        assert ledger_column(page.text) == {"exA:t-2001": "escrowed"}
        assert "Ledger (live)" in page.text
        assert fake.asked == [("exA:t-2001", client.cookies.get(COOKIE))]
        fake.asked.clear()
        # The fan-in's own transfer is asked for; the pattern's transfers (another case's evidence) are not.
        page = await client.get(f"/cases/{web.seeded.name}")
        assert [t for t, _ in fake.asked] == ["exA:t-1001"]
        assert ledger_column(page.text)["exA:t-1001"] == "not in the ledger"


async def test_a_slow_or_absent_ledger_reads_unavailable(web: Web, ledger: tuple[FakeLedger, str]) -> None:
    fake, url = ledger
    fake.delay_s = 5.0
    async with client_for(web, url) as client:
        await sign_in(client, "amina")
        started = time.monotonic()
        page = await client.get(f"/cases/{web.seeded.wallet}")
        assert page.status_code == 200 and time.monotonic() - started < 4.0
        assert ledger_column(page.text) == {"exA:t-2001": "unavailable"}
    closed = bind("127.0.0.1", 0)
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now
    async with client_for(web, f"http://127.0.0.1:{port}") as client:
        await sign_in(client, "amina")
        page = await client.get(f"/cases/{web.seeded.wallet}")
        assert page.status_code == 200 and ledger_column(page.text) == {"exA:t-2001": "unavailable"}
