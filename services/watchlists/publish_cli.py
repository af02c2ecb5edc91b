"""`aml watchlists publish`: send the loaded lists to every running screener through the changelog."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from schemas import topics
from services.broker import ensure_topics
from services.watchlists.adapters.changelog import (
    ChangelogState,
    describe_error,
    describe_unreadable,
    publish,
    read_state,
)
from services.watchlists.loading import NoWatchlistsLoaded, WatchlistStore
from services.watchlists.snapshot import Snapshot

# soft_wrap: a warning names keys and offsets an operator copies, so it stays on one line.
console = Console(stderr=True, soft_wrap=True, highlight=False)


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
        console.print(f"[red]nothing to publish[/red]: {escape(str(exc))}")
        raise typer.Exit(1) from exc
    try:
        with _client_logs_quiet():
            asyncio.run(_publish(servers, topic, snapshot))
    except Exception as exc:  # an operator command: every failure is one line, the exit code says it failed
        console.print(f"[red]publish failed[/red]: {escape(describe_error(exc))}")
        raise typer.Exit(1) from exc


async def _publish(servers: str, topic: str, snapshot: Snapshot) -> None:
    await ensure_topics(servers, {topic: topics.PARTITIONS.get(topic, 1)})
    state = await read_state(servers, topic)
    _warn(state, topic)
    commit, _ = await publish(servers, topic, snapshot, state=state)
    if commit is None:
        console.print(f"{topic} already holds version {snapshot.version}: nothing sent")
    else:
        console.print(
            f"published {commit.version} ({commit.entries} entries: +{commit.added} "
            f"~{commit.changed} -{commit.removed}) to {topic}"
        )


def _warn(state: ChangelogState, topic: str) -> None:
    """What is wrong on the topic, and that this version puts it right."""
    if state.unreadable:
        console.print(
            f"[yellow]warning[/yellow]: {topic} has {escape(describe_unreadable(state.unreadable))}; "
            "this version sends those entries again from the store (or deletes the ones no longer listed)"
        )
    if state.bad_commits:
        console.print(
            f"[yellow]warning[/yellow]: {topic} has {state.bad_commits} unreadable commit record(s), the last at "
            f"{escape(state.last_bad_commit or '')}; this version's commit covers the records they closed"
        )


@contextmanager
def _client_logs_quiet() -> Iterator[None]:
    """The Kafka client logs each failed connection attempt: with no logging set up those lines would reach
    the terminal next to the one-line error. A handler on its logger keeps them out; it is removed after,
    and a process that configured logging still gets them through propagation."""
    client = logging.getLogger("aiokafka")
    quiet = logging.NullHandler()
    client.addHandler(quiet)
    try:
        yield
    finally:
        client.removeHandler(quiet)
