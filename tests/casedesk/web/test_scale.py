"""The queue and the dashboard stay fast with 100,000 cases: pages read one page of cases and counts only."""

from __future__ import annotations

import copy
import time
from datetime import timedelta
from pathlib import Path

import httpx
import lxml.html
import pytest
from sqlalchemy import insert, select

from schemas.common import utc_now
from services.auth.adapters.store import AuthStore
from services.auth.http import Authenticator
from services.auth.settings import AuthSettings
from services.casedesk.adapters.case_store import CaseStore
from services.casedesk.adapters.tables import alerts, cases
from services.casedesk.api import create_app
from services.casedesk.desk import Desk
from services.casedesk.intake import IntakeStatus
from services.database import write_transaction
from tests.casedesk.web.conftest import databases, nodes, sign_in, strings
from tests.casedesk.web.seed import seed

pytestmark = [pytest.mark.asyncio, pytest.mark.slow]
CASES = 100_000
CHUNK = 5_000


async def _nothing() -> int:
    return 0


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_the_queue_and_dashboard_answer_quickly_over_100k_cases(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    engine, auth_engine = await databases(kind, tmp_path, request)
    store = CaseStore(engine)
    now = utc_now()
    seeded = await seed(store, now)
    async with engine.connect() as connection:  # a routine flag's row and alert, copied 100,000 times
        row = dict((await connection.execute(select(cases).where(cases.c.case_id == seeded.cycle))).one()._mapping)
        alert = dict((await connection.execute(select(alerts).where(alerts.c.case_id == seeded.cycle))).one()._mapping)
    for start in range(0, CASES, CHUNK):
        case_rows, alert_rows = [], []
        for i in range(start, start + CHUNK):
            case_id = f"C-BULK{i:06d}"
            state = copy.deepcopy(row["state"])
            state["case_id"] = case_id
            opened = now - timedelta(minutes=i % 20_000)
            case_rows.append(
                {
                    **row,
                    "case_id": case_id,
                    "state": state,
                    "opened_at": opened,
                    "due_at": opened + timedelta(hours=720),
                    "subject": f"account:bulk-{i}",
                    "search": f"account:bulk-{i} exb:t-bulk-{i}",
                }
            )
            alert_rows.append({**alert, "alert_id": f"bulk-{i}", "case_id": case_id, "raised_at": opened})
        async with write_transaction(engine) as connection:
            await connection.execute(insert(cases), case_rows)
            await connection.execute(insert(alerts), alert_rows)
    auth = Authenticator(AuthStore(auth_engine), AuthSettings(cookie_secure=False))
    app = create_app(store, Desk(store), auth, IntakeStatus(), _nothing)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://desk") as client:
            await sign_in(client, "amina")
            timings = {}
            for path in (
                "/queue",
                "/queue?page=1500",
                "/queue?q=bulk-99999",
                "/queue?rule=graph.cycle&age=10",
                "/dashboard",
            ):
                started = time.perf_counter()
                answer = await client.get(path)
                timings[path] = time.perf_counter() - started
                assert answer.status_code == 200, path
            print(kind, {path: round(seconds, 3) for path, seconds in timings.items()})
            assert max(timings.values()) < 2.5, timings
            first = lxml.html.fromstring((await client.get("/queue")).text)
            assert len(nodes(first, '//table[@class="queue"]/tbody/tr')) == 50
            assert strings(first, '//*[@id="total"]/text()') == [str(CASES + 5)]
            found = lxml.html.fromstring((await client.get("/queue?q=bulk-99999")).text)
            assert strings(found, '//a[@class="case-link"]/text()') == ["C-BULK099999"]
            dashboard = lxml.html.fromstring((await client.get("/dashboard")).text)
            assert strings(dashboard, '//span[@class="stat-value"]/text()')[0] == str(CASES + 5)
    finally:
        await engine.dispose()
        await auth_engine.dispose()
