"""The ledger's schema at the newest Alembic revision, through the shared migration plumbing."""

from __future__ import annotations

from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncEngine

from services import database
from services.ledger.adapters.tables import VERSION_TABLE

PACKAGE = "services.ledger"


def alembic_config() -> Config:
    return database.alembic_config(PACKAGE)


async def upgrade_schema(engine: AsyncEngine, revision: str = "head") -> None:
    await database.upgrade_schema(engine, PACKAGE, revision)


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at (None before the first migration)."""
    return await database.current_revision(engine, VERSION_TABLE)
