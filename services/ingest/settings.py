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
    transfers_topic: str = Field(default=topics.TRANSFERS, description="Topic transfers are published to.")
    dlq_topic: str = Field(default=topics.TRANSFERS_DLQ, description="Dead-letter topic for rejected records.")
    max_batch: int = Field(default=5_000, ge=1, description="Largest batch accepted by one POST.")
    max_body_bytes: int = Field(
        default=10 * 1024 * 1024,
        ge=1,
        description="Largest request body in bytes; a larger one is refused with 413 before it is read.",
    )
    max_future_skew_s: int = Field(
        default=300,
        ge=0,
        description="Seconds a transfer's occurred_at may be ahead of the ingest clock (clocks differ); later: 422.",
    )
    max_age_days: int = Field(
        default=3650,
        ge=1,
        description="Days a transfer's occurred_at may be behind the ingest clock; older: 422.",
    )
    require_id_prefix: bool = Field(
        default=True,
        description=(
            "Refuse (422) a transfer_id that does not start with its exchange_id and one of : - _ / . "
            "so that every exchange has its own id namespace."
        ),
    )
    publish_timeout_s: float = Field(
        default=5.0,
        gt=0,
        description="Seconds to wait for the broker to acknowledge a submission; then 503 with Retry-After.",
    )
    http_host: str = Field(default="127.0.0.1", description="Address the HTTP API binds to.")
    http_port: int = Field(default=8081, description="Port of the HTTP API.")
