"""The Alembic migrations build exactly the schema the code declares, on both databases."""

from __future__ import annotations

from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from services.database import write_transaction
from services.ledger.adapters.schema_migrator import alembic_config, current_revision, upgrade_schema
from services.ledger.adapters.tables import VERSION_TABLE, metadata

pytestmark = pytest.mark.asyncio


async def test_upgrade_reaches_head_and_is_repeatable(engine: AsyncEngine) -> None:
    assert await current_revision(engine) == "0002_transfer_exchange"
    await upgrade_schema(engine)
    assert await current_revision(engine) == "0002_transfer_exchange"


async def test_migrated_schema_matches_the_tables_module(engine: AsyncEngine) -> None:
    def _diff(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE, "compare_type": True})
        return list(compare_metadata(context, metadata))

    async with engine.connect() as connection:
        assert await connection.run_sync(_diff) == []


async def test_downgrade_to_base_removes_every_ledger_table(engine: AsyncEngine) -> None:
    config = alembic_config()

    def _downgrade(connection: Connection) -> list[str]:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
        return sorted(inspect(connection).get_table_names())

    async with write_transaction(engine) as connection:
        assert await connection.run_sync(_downgrade) == [VERSION_TABLE]
    assert await current_revision(engine) is None
