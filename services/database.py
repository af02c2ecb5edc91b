"""Database plumbing shared by the services: async engines and Alembic migrations run from code."""

from __future__ import annotations

import asyncio
from importlib import resources
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine; SQLite gets WAL and a busy timeout so readers never block the writer."""
    engine = create_async_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

    return engine


def alembic_config(url: str, package: str) -> Config:
    """Alembic config for `<package>/migrations`, built in code so no alembic.ini is needed."""
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files(package) / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url)
    return cfg


async def migrate(url: str, package: str) -> None:
    """Upgrade the schema to head. Runs in a thread: Alembic's async env starts its own loop."""
    await asyncio.to_thread(command.upgrade, alembic_config(url, package), "head")
