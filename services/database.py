"""Database plumbing shared by the services: one async engine set-up for SQLite (aiosqlite) and
PostgreSQL (asyncpg), transactions, and Alembic migrations run from code.

Writers must not interleave on the same row. PostgreSQL gets that from the services' own locks
(the ledger's per-transfer advisory locks, see `ledger_store.lock_transfers`); SQLite gets it
from `BEGIN IMMEDIATE`, which takes the single database write lock up front. A plain deferred
BEGIN would let two writers read the same state and then fail with "database is locked" on the
upgrade to a write lock, which no busy timeout can wait out.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

# Execution option marking a connection whose transaction will write.
_WRITER = "aml_writer"


def is_sqlite(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "sqlite"


def create_engine(url: str, *, sqlite_busy_timeout_ms: int = 10_000) -> AsyncEngine:
    engine = create_async_engine(url, pool_pre_ping=not url.startswith("sqlite"))
    if is_sqlite(engine):
        _configure_sqlite(engine, sqlite_busy_timeout_ms)
    return engine


def _configure_sqlite(engine: AsyncEngine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take BEGIN away from the sqlite3 module (it would skip it for SELECTs) so the
        # transaction boundaries are exactly SQLAlchemy's.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # WAL lets the HTTP APIs read while the consumers write; FULL sync because Kafka
        # offsets are committed (and ingest answers 202) right after our commit, so a commit
        # lost on power failure would be a transfer lost for good. NORMAL would only survive application crashes.
        # It is not offered: FULL costs one WAL fsync per batch, and `aml bench ledger` showed
        # no difference beyond noise (batches of 500 and of 10 records), because a batch's
        # cost is its statements, not its commit.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        writer = connection.get_execution_options().get(_WRITER, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")


@asynccontextmanager
async def write_transaction(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """One transaction that commits on success and rolls back on any exception."""
    async with engine.connect() as connection:
        writer = await connection.execution_options(**{_WRITER: True})
        async with writer.begin():
            yield writer


@asynccontextmanager
async def read_transaction(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A consistent read: one snapshot for every query of a report."""
    async with engine.connect() as connection:
        if not is_sqlite(engine):
            # READ COMMITTED (the default) takes a new snapshot per statement, so a report
            # built from several queries could mix states; SQLite's WAL read is one snapshot.
            connection = await connection.execution_options(isolation_level="REPEATABLE READ")
        async with connection.begin():
            yield connection


def alembic_config(url: str, package: str) -> Config:
    """Alembic config for `<package>/migrations`, built in code so no alembic.ini is needed."""
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files(package) / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url)
    return cfg


async def migrate(url: str, package: str) -> None:
    """Upgrade the schema to head. Runs in a thread: Alembic's async env starts its own loop."""
    await asyncio.to_thread(command.upgrade, alembic_config(url, package), "head")
