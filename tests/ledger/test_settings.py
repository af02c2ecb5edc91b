"""Ledger settings: prefix, the shared Kafka variable, defaults, documentation."""

from __future__ import annotations

import pytest

from services.ledger.settings import LedgerSettings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("KAFKA_BOOTSTRAP_SERVERS", *(f"LEDGER_{f.upper()}" for f in LedgerSettings.model_fields)):
        monkeypatch.delenv(name, raising=False)


def test_defaults() -> None:
    settings = LedgerSettings()
    assert settings.database_url == "sqlite+aiosqlite:///./aml-ledger.db"
    assert settings.kafka_bootstrap_servers == "127.0.0.1:9092"
    assert settings.kafka_group_id == "aml-ledger"
    assert (settings.transfers_topic, settings.decisions_topic) == ("aml.transfers.v1", "aml.decisions.v1")
    assert settings.kafka_session_timeout_ms == 10_000
    assert (settings.http_host, settings.http_port) == ("127.0.0.1", 8083)


def test_environment_with_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGER_DATABASE_URL", "postgresql+asyncpg://u@h/db")
    monkeypatch.setenv("LEDGER_KAFKA_SESSION_TIMEOUT_MS", "6000")
    monkeypatch.setenv("LEDGER_HTTP_PORT", "9000")
    settings = LedgerSettings()
    assert (settings.database_url, settings.kafka_session_timeout_ms, settings.http_port) == (
        "postgresql+asyncpg://u@h/db",
        6000,
        9000,
    )


def test_kafka_bootstrap_from_shared_or_own_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "shared:9092")
    assert LedgerSettings().kafka_bootstrap_servers == "shared:9092"
    monkeypatch.setenv("LEDGER_KAFKA_BOOTSTRAP_SERVERS", "own:9092")
    assert LedgerSettings().kafka_bootstrap_servers == "own:9092"


def test_fields_can_be_passed_by_name() -> None:
    assert LedgerSettings(kafka_bootstrap_servers="x:1").kafka_bootstrap_servers == "x:1"


def test_every_field_is_documented() -> None:
    undocumented = [name for name, field in LedgerSettings.model_fields.items() if not field.description]
    assert undocumented == []
