"""`aml ledger …` commands (mounted by services/cli.py)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import typer
from aiokafka.errors import KafkaError

from services.ledger.app import run
from services.ledger.settings import LedgerSettings
from services.log_limits import install_repeat_limit

ledger_app = typer.Typer(help="Reference token ledger that enforces screening decisions.", no_args_is_help=True)


@ledger_app.callback()
def _group() -> None:
    """Reference token ledger that enforces screening decisions before settlement."""


@ledger_app.command("run")
def run_command(
    database_url: Annotated[
        str | None, typer.Option(help="Overrides LEDGER_DATABASE_URL (sqlite+aiosqlite or postgresql+asyncpg).")
    ] = None,
    bootstrap_servers: Annotated[
        str | None, typer.Option(help="Overrides LEDGER_KAFKA_BOOTSTRAP_SERVERS / KAFKA_BOOTSTRAP_SERVERS.")
    ] = None,
    http_port: Annotated[int | None, typer.Option(help="Overrides LEDGER_HTTP_PORT.")] = None,
) -> None:
    """Consume transfers and decisions and serve the HTTP API until SIGTERM/SIGINT."""
    overrides: dict[str, Any] = {
        key: value
        for key, value in {
            "database_url": database_url,
            "kafka_bootstrap_servers": bootstrap_servers,
            "http_port": http_port,
        }.items()
        if value is not None
    }
    settings = LedgerSettings(**overrides)
    install_repeat_limit("aiokafka")  # a stopped broker would otherwise flood the log with reconnect errors
    try:
        asyncio.run(run(settings))
    except KafkaError as exc:
        typer.echo(f"ledger: Kafka at {settings.kafka_bootstrap_servers} failed: {exc}", err=True)
        raise typer.Exit(1) from exc
    except OSError as exc:
        # Typically the HTTP port is taken or the database path is not writable.
        typer.echo(f"ledger: {exc}", err=True)
        raise typer.Exit(1) from exc
