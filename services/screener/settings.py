"""Screener configuration: one settings object, built once at start-up and passed in."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from schemas import topics


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SCREENER_", extra="ignore")

    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092",
        validation_alias=AliasChoices("SCREENER_KAFKA_BOOTSTRAP_SERVERS", "KAFKA_BOOTSTRAP_SERVERS"),
        description="Kafka bootstrap servers (host:port, comma separated).",
    )
    group_id: str = Field(default="aml-screener", description="Consumer group shared by all replicas.")
    transfers_topic: str = Field(default=topics.TRANSFERS, description="Topic of incoming transfers.")
    decisions_topic: str = Field(default=topics.DECISIONS, description="Topic decisions are published to.")
    dlq_topic: str = Field(default=topics.TRANSFERS_DLQ, description="Dead-letter topic for bad transfers.")
    watchlists_topic: str = Field(
        default=topics.WATCHLISTS,
        description="Watchlist changelog the screener follows (published by `aml watchlists publish`).",
    )
    alerts_topic: str = Field(default=topics.ALERTS, description="Topic retro-screening alerts are published to.")
    suppressions_topic: str = Field(
        default=topics.SUPPRESSIONS,
        description=(
            "Compacted topic of false-positive name matches cleared by two officers (published by the case desk); "
            "a suppressed hit is not raised. Until the topic exists, none are honoured."
        ),
    )
    watchlist_wait_s: float = Field(
        default=30.0,
        gt=0,
        description=(
            "How long to wait at start for the changelog to be read. With no version published, every transfer "
            "is held (fail closed) until one arrives."
        ),
    )
    retro_retention_days: float = Field(
        default=30.0, gt=0, description="How long parties are remembered for retro-screening against new list versions."
    )
    policy_path: Path | None = Field(
        default=None,
        description=(
            "Screening policy TOML (weights, thresholds, forced outcomes, bands; its version is recorded in "
            "every decision). Unset: the packaged services/screener/policy/default.toml. An invalid file stops "
            "the screener at start with an error naming the bad key."
        ),
    )
    jurisdictions_path: Path | None = Field(
        default=None,
        description="Dated FATF black/grey lists (TOML). Unset: the packaged data/fatf_jurisdictions.toml.",
    )
    graph_tail: bool = Field(
        default=True,
        description=(
            "Read every partition of the transfers topic into this replica's graph, not just the ones it screens, "
            "so patterns spanning partitions are seen by whichever replica screens their last transfer."
        ),
    )
    graph_tail_wait_s: float = Field(
        default=2.0,
        ge=0,
        description=(
            "Before screening a batch, wait up to this long for every partition to be read up to the batch's "
            "latest event time (or to its end); after that, screen with what has arrived and log the lag."
        ),
    )
    graph_tail_max_waiting: int = Field(
        default=200_000,
        ge=1,
        description="Transfers read from other partitions held in memory ahead of screening before reading pauses.",
    )
    max_records: int = Field(default=500, ge=1, description="Largest batch taken from Kafka at once.")
    session_timeout_ms: int = Field(default=10_000, description="Consumer group session timeout.")
    heartbeat_interval_ms: int = Field(default=3_000, description="Consumer group heartbeat interval.")
    log_level: str = Field(default="INFO", description="Python log level of the worker.")
    http_host: str = Field(default="127.0.0.1", description="Interface the /healthz endpoint binds to.")
    http_port: int = Field(
        default=8082,
        ge=0,
        le=65535,
        description=(
            "Port of /healthz (0: any free port). A port already taken is logged and the screener runs on "
            "without it: a second replica on one host must not stop for its health endpoint."
        ),
    )
