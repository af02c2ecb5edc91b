"""`aml users add|list|disable` and `aml keys create|list|revoke`: officers and machine keys."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from schemas.common import utc_now
from services.auth.adapters.store import AuthError, AuthStore
from services.auth.domain.principal import Role
from services.auth.settings import AuthSettings
from services.database import create_engine, upgrade_schema

users_app = typer.Typer(
    help="Officers who log in to the case desk (passwords hashed with argon2).", no_args_is_help=True
)
keys_app = typer.Typer(help="API keys for machines (exchanges); only a digest is stored.", no_args_is_help=True)
T = TypeVar("T")


@asynccontextmanager
async def opened_store(settings: AuthSettings | None = None) -> AsyncIterator[AuthStore]:
    """The auth store on its database, migrated to the newest schema."""
    engine = create_engine((settings or AuthSettings()).database_url)
    try:
        await upgrade_schema(engine, "services.auth")
        yield AuthStore(engine)
    finally:
        await engine.dispose()


def _run(work: Callable[[AuthStore], Awaitable[T]]) -> T:
    async def main() -> T:
        async with opened_store() as store:
            return await work(store)

    try:
        return asyncio.run(main())
    except AuthError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc


RoleOption = Annotated[Role, typer.Option("--role", help="analyst, senior, admin or regulator.")]
ExchangeOption = Annotated[
    str | None, typer.Option("--exchange", help="Limit to one exchange's transfers and cases.")
]


@users_app.command("add")
def add_user(
    name: Annotated[str, typer.Argument(help="User name (a-z, 0-9, . _ - @).")],
    role: RoleOption = Role.ANALYST,
    exchange: ExchangeOption = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
) -> None:
    """Add an officer or a regulator. The password is asked for (or read from stdin), never an argument."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    _run(lambda store: store.add_user(name, password, role, exchange, utc_now()))
    typer.echo(f"added {name} ({role}{f', exchange {exchange}' if exchange else ''})")


@users_app.command("list")
def list_users() -> None:
    """Every user with role, exchange scope and whether disabled."""
    rows = _run(lambda store: store.users())
    table = Table("user", "role", "exchange", "disabled", "created")
    for row in rows:
        disabled = "yes" if row.disabled else ""
        table.add_row(row.username, row.role, row.exchange_id or "all", disabled, f"{row.created_at:%Y-%m-%d}")
    Console().print(table)


@users_app.command("disable")
def disable_user(name: Annotated[str, typer.Argument()]) -> None:
    """Disable a user; their sessions end at once."""
    if not _run(lambda store: store.disable_user(name, utc_now())):
        typer.echo(f"error: no user {name!r}", err=True)
        raise typer.Exit(1)
    typer.echo(f"disabled {name}")


@keys_app.command("create")
def create_key(
    exchange: ExchangeOption = None,
    role: Annotated[Role, typer.Option("--role", help="exchange (default) or regulator.")] = Role.EXCHANGE,
    label: Annotated[str, typer.Option("--label", help="What the key is for.")] = "",
) -> None:
    """Create an API key and print it once: store it now, it cannot be shown again."""
    key = _run(lambda store: store.create_key(label or f"{role} key", role, exchange, utc_now()))
    typer.echo(key)


@keys_app.command("list")
def list_keys() -> None:
    rows = _run(lambda store: store.keys())
    table = Table("key id", "role", "exchange", "label", "created", "revoked")
    for row in rows:
        revoked = f"{row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else ""
        table.add_row(row.key_id, row.role, row.exchange_id or "all", row.label, f"{row.created_at:%Y-%m-%d}", revoked)
    Console().print(table)


@keys_app.command("revoke")
def revoke_key(key_id: Annotated[str, typer.Argument(help="The 8 characters after aml_ in the key.")]) -> None:
    """Revoke a key: every request with it is refused from now on."""
    if not _run(lambda store: store.revoke_key(key_id, utc_now())):
        typer.echo(f"error: no live key {key_id!r}", err=True)
        raise typer.Exit(1)
    typer.echo(f"revoked {key_id}")
