"""Screener settings for tests against the session broker: fresh topics, a fresh group, quick failover."""

from __future__ import annotations

import uuid
from typing import Any

from services.screener.settings import Settings
from tests.streams import Topics


def screener_settings(bootstrap: str, names: Topics, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "kafka_bootstrap_servers": bootstrap,
        "transfers_topic": names.transfers,
        "decisions_topic": names.decisions,
        "dlq_topic": names.dlq,
        "group_id": f"screener-{uuid.uuid4().hex[:6]}",
        "session_timeout_ms": 6000,
        "heartbeat_interval_ms": 500,
    }
    return Settings(**(values | overrides))
