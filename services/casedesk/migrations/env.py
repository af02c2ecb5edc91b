"""Alembic environment of the case desk tables: the shared runner (services/database.run_env)."""

from __future__ import annotations

from services.casedesk.adapters.tables import VERSION_TABLE, metadata
from services.database import run_env


def _settings_url() -> str:
    from services.casedesk.settings import CasedeskSettings

    return CasedeskSettings().database_url


run_env(metadata, VERSION_TABLE, _settings_url)
