"""The case desk app on a real database (SQLite, and PostgreSQL when the session has one), seeded, with officers."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import lxml.html
import pytest
import pytest_asyncio
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from schemas.common import utc_now
from services.auth.adapters.store import AuthStore
from services.auth.domain.principal import Role
from services.auth.http import Authenticator
from services.auth.settings import AuthSettings
from services.casedesk.adapters.case_store import CaseStore
from services.casedesk.api import create_app
from services.casedesk.desk import Desk
from services.casedesk.intake import IntakeStatus
from services.database import create_engine, upgrade_schema
from tests.casedesk.web.seed import Seeded, seed

PASSWORD = "correct horse battery"
OFFICERS = [
    ("amina", Role.ANALYST, None),
    ("bilal", Role.SENIOR, None),
    ("chen", Role.SENIOR, None),
    ("rita", Role.REGULATOR, None),
    ("omar", Role.ANALYST, "exB"),
]
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Web:
    app: FastAPI
    client: httpx.AsyncClient
    store: CaseStore
    desk: Desk
    auth: Authenticator
    seeded: Seeded
    published: list[int]


async def _count(published: list[int]) -> int:
    published.append(1)  # the outbox's flush: here only counted (tests/casedesk/test_resolutions_e2e.py publishes)
    return 0


async def databases(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> tuple[AsyncEngine, AsyncEngine]:
    """The case desk's and the auth module's databases (`kind`: sqlite or postgres), migrated, with `OFFICERS`."""
    if kind == "sqlite":
        urls = [f"sqlite+aiosqlite:///{tmp_path / name}" for name in ("casedesk.db", "auth.db")]
    else:
        cluster = request.getfixturevalue("postgres_cluster")
        urls = [cluster.create_database(f"{name}_{uuid.uuid4().hex[:8]}") for name in ("webdesk", "webauth")]
    engine, auth_engine = create_engine(urls[0]), create_engine(urls[1])
    await upgrade_schema(engine, "services.casedesk")
    await upgrade_schema(auth_engine, "services.auth")
    auth_store = AuthStore(auth_engine)
    for name, role, exchange in OFFICERS:
        await auth_store.add_user(name, PASSWORD, role, exchange, utc_now())
    return engine, auth_engine


@pytest_asyncio.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def web(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Web]:
    engine, auth_engine = await databases(request.param, tmp_path, request)
    store = CaseStore(engine)
    seeded = await seed(store, utc_now())
    desk = Desk(store)
    auth = Authenticator(AuthStore(auth_engine), AuthSettings(cookie_secure=False))
    published: list[int] = []
    app = create_app(store, desk, auth, IntakeStatus(), lambda: _count(published))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://desk") as client:
        yield Web(app, client, store, desk, auth, seeded, published)
    await engine.dispose()
    await auth_engine.dispose()


async def sign_in(client: httpx.AsyncClient, name: str) -> str:
    """Log in through the login form as a browser does; returns the CSRF token the queue page carries."""
    client.cookies.clear()
    answer = await client.post("/login", data={"username": name, "password": PASSWORD})
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/"
    page = await client.get("/queue")
    found = _CSRF.search(page.text)
    assert found is not None, page.text[:500]
    return found.group(1)


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found is not None
    return found.group(1)


def nodes(root: lxml.html.HtmlElement, path: str) -> list[lxml.html.HtmlElement]:
    """The elements an XPath finds, typed."""
    found = root.xpath(path)
    assert isinstance(found, list)
    return [e for e in found if isinstance(e, lxml.html.HtmlElement)]


def strings(root: lxml.html.HtmlElement, path: str) -> list[str]:
    """The texts or attribute values an XPath finds, typed."""
    found = root.xpath(path)
    assert isinstance(found, list)
    return [str(s) for s in found if isinstance(s, str)]
