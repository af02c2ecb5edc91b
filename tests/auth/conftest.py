"""Auth fixtures: a migrated auth database on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from services.auth.adapters.store import AuthStore
from services.database import create_engine, upgrade_schema


@pytest_asyncio.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def auth_store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AuthStore]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'auth.db'}"
    else:
        url = request.getfixturevalue("postgres_cluster").create_database(f"auth_{uuid.uuid4().hex[:10]}")
    engine = create_engine(url)
    await upgrade_schema(engine, "services.auth")
    try:
        yield AuthStore(engine)
    finally:
        await engine.dispose()
