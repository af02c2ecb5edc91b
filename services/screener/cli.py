"""`aml screener run`: the screening worker."""

from __future__ import annotations

import asyncio

import typer

from services.log_limits import install_repeat_limit
from services.screener.bootstrap import build_app
from services.screener.settings import Settings

screener_app = typer.Typer(help="Screen transfers and publish decisions.", no_args_is_help=True)


@screener_app.command("run")
def run() -> None:
    """Consume aml.transfers.v1 in the screener group and publish a decision per transfer."""
    install_repeat_limit("aiokafka")  # a stopped broker would otherwise flood the log with reconnect errors
    asyncio.run(build_app(Settings()).run())
