"""Brings the database schema to the newest Alembic revision, from code.

The Alembic configuration is built here rather than read from an alembic.ini, so the
ledger migrates from any working directory and from an installed wheel alike.
"""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from services.database import write_transaction
from services.ledger.adapters.tables import VERSION_TABLE

# Arbitrary constant: the PostgreSQL advisory lock that lets only one starting replica
# migrate at a time (the others wait, then find nothing to do).
_MIGRATION_LOCK = 0x6C656467  # "ledg"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("services.ledger") / "migrations"))
    return config


async def upgrade_schema(engine: AsyncEngine, revision: str = "head") -> None:
    config = alembic_config()

    def _upgrade(connection: Connection) -> None:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with write_transaction(engine) as connection:
        await connection.run_sync(_upgrade)


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at (None before the first migration)."""

    def _read(connection: Connection) -> str | None:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        return context.get_current_revision()

    async with engine.connect() as connection:
        return await connection.run_sync(_read)
