"""Exchange API keys for ingest tests: made in a fresh auth database, as `aml keys create` makes them."""

from __future__ import annotations

from pathlib import Path

from schemas.common import utc_now
from services.auth.cli import opened_store
from services.auth.domain.principal import Role
from services.auth.settings import AuthSettings


async def exchange_keys(folder: Path, exchanges: list[str]) -> tuple[AuthSettings, dict[str, str]]:
    """Auth settings on a new database under `folder`, and a live API key per exchange."""
    settings = AuthSettings(database_url=f"sqlite+aiosqlite:///{folder / 'auth.db'}")
    async with opened_store(settings) as store:
        keys = {x: await store.create_key(f"{x} systems", Role.EXCHANGE, x, utc_now()) for x in exchanges}
    return settings, keys
