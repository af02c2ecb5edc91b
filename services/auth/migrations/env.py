"""Alembic environment of the auth tables: the shared runner (services/database.run_env)."""

from __future__ import annotations

from services.auth.adapters.tables import VERSION_TABLE, metadata
from services.database import run_env


def _settings_url() -> str:
    from services.auth.settings import AuthSettings

    return AuthSettings().database_url


run_env(metadata, VERSION_TABLE, _settings_url)
