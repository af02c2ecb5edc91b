"""Ingest configuration: one settings object, built once at start-up and passed in."""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from schemas import topics


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="INGEST_", extra="ignore")

    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092",
        validation_alias=AliasChoices("INGEST_KAFKA_BOOTSTRAP_SERVERS", "KAFKA_BOOTSTRAP_SERVERS"),
        description="Kafka bootstrap servers (host:port, comma separated).",
    )
    database_url: str = Field(
        default="sqlite+aiosqlite:///./aml-ingest.db",
        description="SQLAlchemy async URL of the idempotency store (sqlite+aiosqlite or postgresql+asyncpg).",
    )
    api_keys: dict[str, str] = Field(
        default_factory=dict,
        description='Exchange API keys as JSON, {"<key>": "<exchange_id>"}. Empty: every request is refused.',
    )
    transfers_topic: str = Field(default=topics.TRANSFERS, description="Topic transfers are published to.")
    dlq_topic: str = Field(default=topics.TRANSFERS_DLQ, description="Dead-letter topic for rejected records.")
    max_batch: int = Field(default=5_000, ge=1, description="Largest batch accepted by one POST.")
    http_host: str = Field(default="127.0.0.1", description="Address the HTTP API binds to.")
    http_port: int = Field(default=8081, description="Port of the HTTP API.")
