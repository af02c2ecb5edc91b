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
import contextlib
import hashlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import DateTime, Dialect, MetaData, event, pool, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both databases (SQLite drops the zone on the way in)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Execution option marking a connection whose transaction will write.
_WRITER = "aml_writer"


def is_sqlite(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "sqlite"


def create_engine(url: str, *, sqlite_busy_timeout_ms: int = 10_000) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        # The embedded defaults live in ./aml-data/: a first start must not fail for want of the folder.
        # Best effort: a folder that cannot be made is reported by the first connection, with the path.
        with contextlib.suppress(OSError):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
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


def alembic_config(package: str, url: str | None = None) -> Config:
    """Alembic config for `<package>/migrations`, built in code so no alembic.ini is needed: a service
    migrates from any working directory and from an installed wheel alike."""
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files(package) / "migrations"))
    if url is not None:
        cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def _lock_key(package: str) -> int:
    # A stable 31-bit key per package: replicas of one service starting together migrate one at a time
    # (the others wait on the lock, then find nothing to do), and different services never wait on each other.
    return int.from_bytes(hashlib.sha256(package.encode()).digest()[:4], "big") & 0x7FFFFFFF


async def upgrade_schema(engine: AsyncEngine, package: str, revision: str = "head") -> None:
    """Bring `package`'s tables to `revision`, in one transaction on `engine` (its env.py uses `run_env`)."""
    config = alembic_config(package)

    def _upgrade(connection: Connection) -> None:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _lock_key(package)})
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with write_transaction(engine) as connection:
        await connection.run_sync(_upgrade)


async def migrate(url: str, package: str) -> None:
    """`upgrade_schema` on a short-lived engine of its own, for services that migrate before they build theirs."""
    engine = create_engine(url)
    try:
        await upgrade_schema(engine, package)
    finally:
        await engine.dispose()


async def current_revision(engine: AsyncEngine, version_table: str) -> str | None:
    """The revision a package's tables are at (None before its first migration)."""

    def _read(connection: Connection) -> str | None:
        context = MigrationContext.configure(connection, opts={"version_table": version_table})
        return context.get_current_revision()

    async with engine.connect() as connection:
        return await connection.run_sync(_read)


def run_env(metadata: MetaData, version_table: str, default_url: Callable[[], str]) -> None:
    """The body of every package's migrations/env.py.

    Two ways in: `upgrade_schema` hands over an open connection through `config.attributes["connection"]`
    (the normal path, inside the service's transaction); the `alembic` command line builds its own async
    engine from `sqlalchemy.url` or, failing that, `default_url()` (the service's settings)."""
    from alembic import context

    def _run(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            version_table=version_table,
            # SQLite cannot ALTER most things; batch mode rebuilds tables for later revisions.
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()

    url = context.config.get_main_option("sqlalchemy.url") or default_url()
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, version_table=version_table, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = context.config.attributes.get("connection")
    if isinstance(connection, Connection):
        _run(connection)
        return

    async def _own_engine() -> None:
        engine = create_async_engine(url, poolclass=pool.NullPool)
        try:
            async with engine.begin() as own:
                await own.run_sync(_run)
        finally:
            await engine.dispose()

    asyncio.run(_own_engine())
