"""`aml watchlists publish`: send the loaded lists to every running screener through the changelog."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from schemas import topics
from services.broker import ensure_topics
from services.watchlists.adapters.changelog import publish
from services.watchlists.loading import NoWatchlistsLoaded, WatchlistStore

console = Console(stderr=True)


def publish_command(
    directory: Annotated[
        Path | None,
        typer.Option(
            "--dir", help="Store directory (default: $AML_WATCHLISTS_DIR or ~/.local/share/aml-screening/watchlists)"
        ),
    ] = None,
    bootstrap: Annotated[
        str | None, typer.Option(help="Kafka bootstrap servers (default: $KAFKA_BOOTSTRAP_SERVERS)")
    ] = None,
    topic: Annotated[str, typer.Option(help="Changelog topic")] = topics.WATCHLISTS,
) -> None:
    """Publish the current loaded lists as the next version on aml.watchlists.v1 (nothing if unchanged)."""
    servers = bootstrap or os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if not servers:
        console.print("[red]no broker[/red]: pass --bootstrap or set KAFKA_BOOTSTRAP_SERVERS")
        raise typer.Exit(2)
    try:
        snapshot = WatchlistStore(directory).current_snapshot()
    except NoWatchlistsLoaded as exc:
        console.print(f"[red]nothing to publish[/red]: {exc}")
        raise typer.Exit(1) from exc

    async def _publish() -> None:
        await ensure_topics(servers, {topic: topics.PARTITIONS.get(topic, 1)})
        commit, _ = await publish(servers, topic, snapshot)
        if commit is None:
            console.print(f"{topic} already holds version {snapshot.version}: nothing sent")
        else:
            console.print(
                f"published {commit.version} ({commit.entries} entries: +{commit.added} "
                f"~{commit.changed} -{commit.removed}) to {topic}"
            )

    asyncio.run(_publish())
