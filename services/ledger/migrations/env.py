"""Alembic environment of the ledger schema: the shared runner (services/database.run_env)."""

from __future__ import annotations

from services.database import run_env
from services.ledger.adapters.tables import VERSION_TABLE, metadata


def _settings_url() -> str:
    from services.ledger.settings import LedgerSettings

    return LedgerSettings().database_url


run_env(metadata, VERSION_TABLE, _settings_url)
