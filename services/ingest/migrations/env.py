"""Alembic environment of the ingest store: the shared runner (services/database.run_env)."""

from __future__ import annotations

from services.database import run_env
from services.ingest.adapters.store import metadata

VERSION_TABLE = "alembic_version_ingest"


def _settings_url() -> str:
    from services.ingest.settings import Settings

    return Settings().database_url


run_env(metadata, VERSION_TABLE, _settings_url)
