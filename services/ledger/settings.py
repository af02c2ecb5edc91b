"""Ledger configuration: one settings object, built once at start-up and passed in.

Every field is read from the environment with the `LEDGER_` prefix (for example
`LEDGER_DATABASE_URL`); the Kafka bootstrap address also honours the plain
`KAFKA_BOOTSTRAP_SERVERS` that every service of the stack shares.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from schemas import topics


class LedgerSettings(BaseSettings):
    # validate_by_name lets tests and the CLI pass `kafka_bootstrap_servers=` directly even
    # though the environment spelling of that field is an alias.
    model_config = SettingsConfigDict(
        env_prefix="LEDGER_", extra="ignore", validate_by_name=True, validate_by_alias=True
    )

    database_url: str = Field(
        default="sqlite+aiosqlite:///./aml-ledger.db",
        description=(
            "SQLAlchemy async URL of the ledger database: sqlite+aiosqlite:///path.db (embedded "
            "default) or postgresql+asyncpg://user:password@host:5432/dbname (production)."
        ),
    )
    migrate_on_start: bool = Field(
        default=True,
        description="Upgrade the database schema to the newest Alembic revision at start-up.",
    )
    sqlite_busy_timeout_ms: int = Field(
        default=10_000,
        ge=0,
        description="How long a SQLite writer waits for another writer's lock before failing.",
    )
    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092",
        validation_alias=AliasChoices("LEDGER_KAFKA_BOOTSTRAP_SERVERS", "KAFKA_BOOTSTRAP_SERVERS"),
        description="Kafka bootstrap servers (host:port, comma separated).",
    )
    kafka_group_id: str = Field(
        default="aml-ledger",
        description="Consumer group shared by every ledger replica; offsets are committed under it.",
    )
    transfers_topic: str = Field(
        default=topics.TRANSFERS, description="Topic of TransferEvent JSON (registered as pending)."
    )
    decisions_topic: str = Field(
        default=topics.DECISIONS, description="Topic of Decision JSON (screening outcomes and resolutions)."
    )
    kafka_session_timeout_ms: int = Field(
        default=10_000, ge=1, description="Consumer group session timeout (failure detection)."
    )
    kafka_heartbeat_interval_ms: int = Field(
        default=3_000, ge=1, description="Consumer group heartbeat interval; keep it below a third of the session."
    )
    batch_max_records: int = Field(
        default=500, ge=1, description="Largest batch taken from Kafka and applied in one DB transaction."
    )
    batch_timeout_ms: int = Field(
        default=100, ge=0, description="How long the consumer waits to fill a batch before taking what it has."
    )
    retry_backoff_seconds: float = Field(
        default=1.0,
        ge=0,
        description="Pause after a batch failed (e.g. database down) before it is read again from Kafka.",
    )
    http_host: str = Field(default="127.0.0.1", description="Interface the HTTP API binds to.")
    http_port: int = Field(default=8083, ge=0, le=65535, description="Port of the HTTP API (0: any free port).")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="Python log level of the ledger process."
    )
