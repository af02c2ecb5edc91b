"""Case desk configuration: one settings object, built once at start-up and passed in."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from schemas import topics


class CasedeskSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CASEDESK_", extra="ignore", validate_by_name=True, validate_by_alias=True
    )

    database_url: str = Field(
        default="sqlite+aiosqlite:///./aml-data/casedesk.db",
        description="SQLAlchemy async URL of cases, alerts and the audit log (sqlite+aiosqlite or postgresql+asyncpg).",
    )
    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092",
        validation_alias=AliasChoices("CASEDESK_KAFKA_BOOTSTRAP_SERVERS", "KAFKA_BOOTSTRAP_SERVERS"),
        description="Kafka bootstrap servers (host:port, comma separated).",
    )
    kafka_group_id: str = Field(default="aml-casedesk", description="Consumer group of the case desk.")
    transfers_topic: str = Field(default=topics.TRANSFERS, description="Transfers, kept for the case pages.")
    decisions_topic: str = Field(
        default=topics.DECISIONS, description="Screening decisions read (holds and flags) and resolutions published."
    )
    alerts_topic: str = Field(default=topics.ALERTS, description="Retro-screening hits and release proposals.")
    policy_path: Path | None = Field(
        default=None,
        description="The policy file whose [casedesk] sla_hours set each priority's SLA (the screener's file). "
        "Unset: the packaged services/screener/policy/default.toml.",
    )
    ledger_url: str | None = Field(
        default=None,
        description="Base URL of the ledger's API; the case page then shows each transfer's ledger state "
        "(asked with the officer's own session, so the ledger must share AUTH_DATABASE_URL).",
    )
    http_host: str = Field(default="127.0.0.1", description="Interface the officer UI and API bind to.")
    http_port: int = Field(default=8084, ge=0, le=65535, description="Port of the officer UI and API (0: any).")
    log_level: str = Field(default="INFO", description="Python log level of the case desk.")
