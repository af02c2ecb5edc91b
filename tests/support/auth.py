"""API keys for tests that read a service's API as a machine would (the shared auth module)."""

from __future__ import annotations

from pathlib import Path

from schemas.common import utc_now
from services.auth.cli import opened_store
from services.auth.domain.principal import Role
from services.auth.settings import AuthSettings


def auth_settings(folder: Path) -> AuthSettings:
    return AuthSettings(database_url=f"sqlite+aiosqlite:///{folder / 'auth.db'}", cookie_secure=False)


async def machine_key(settings: AuthSettings, role: Role = Role.REGULATOR, exchange_id: str | None = None) -> str:
    """A live API key in `settings`' auth database (migrated on the way): a regulator's by default, which
    reads every exchange's data and changes nothing."""
    async with opened_store(settings) as store:
        return await store.create_key(f"test {role}", role, exchange_id, utc_now())
