"""`aml broker …`: run the project's own Kafka broker in the foreground, or warm its cache."""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
import time
from collections.abc import Callable
from enum import StrEnum
from typing import Annotated

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.panel import Panel
from rich.status import Status

from services.broker.assembly import AssemblyError, assemble, kafka_home
from services.broker.java import JavaError, require_java
from services.broker.launcher import start_broker
from services.broker.readiness import BrokerStartError
from services.broker.settings import BrokerChoice, BrokerSettings
from services.broker.topics import ensure_project_topics

broker_app = typer.Typer(
    help="The project's own Kafka broker on 127.0.0.1 (Apache Kafka; Tansu when Java/Maven are missing).",
    no_args_is_help=True,
)
console = Console(stderr=True)


class Kind(StrEnum):
    auto = "auto"
    apache = "apache"
    tansu = "tansu"


@broker_app.command()
def run(
    port: Annotated[int | None, typer.Option(help="Client port on 127.0.0.1 (default: a free one).")] = None,
    kind: Annotated[Kind | None, typer.Option(help="Broker to run (default: AML_BROKER_KIND or auto).")] = None,
    create_topics: Annotated[
        bool, typer.Option("--create-topics/--no-create-topics", help="Create the pipeline's topics.")
    ] = True,
    kafka_version: Annotated[str | None, typer.Option(help="Apache Kafka version (AML_KAFKA_VERSION).")] = None,
) -> None:
    """Start the broker, create the project topics, and serve until Ctrl-C or SIGTERM."""
    _log_to_console()
    settings = _settings(kafka_version)
    if settings.bootstrap_servers:
        console.print(f"[dim]KAFKA_BOOTSTRAP_SERVERS={settings.bootstrap_servers} is ignored: starting our own.[/]")
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with console.status("Starting the broker…") as status:
            try:
                broker = start_broker(_choice(kind, settings), port=port, settings=settings, progress=_say(status))
            except (AssemblyError, BrokerStartError, RuntimeError) as exc:
                console.print(f"[red]Broker did not start:[/] {exc}")
                raise typer.Exit(1) from exc
        with broker:
            if create_topics:
                asyncio.run(ensure_project_topics(broker.bootstrap_servers))
            _announce(broker.kind, broker.bootstrap_servers, broker.pid, str(broker.log_path), create_topics)
            # One plain line on stdout (the rest goes to stderr) that a script can wait for and parse.
            print(f"KAFKA_BOOTSTRAP_SERVERS={broker.bootstrap_servers}", flush=True)
            while not stop.wait(0.5):
                if not broker.is_running():
                    console.print(f"[red]The broker exited on its own[/]; last log lines:\n{broker.log_tail()}")
                    raise typer.Exit(1)
            console.print("Stopping the broker…")
        console.print("Broker stopped.")
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@broker_app.command()
def fetch(
    kafka_version: Annotated[str | None, typer.Option(help="Apache Kafka version (AML_KAFKA_VERSION).")] = None,
) -> None:
    """Only assemble Apache Kafka into the cache (e.g. to warm up CI); starts nothing."""
    _log_to_console()
    settings = _settings(kafka_version)
    started = time.monotonic()
    with console.status(f"Checking {kafka_home(settings)}…") as status:
        try:
            install = assemble(settings, progress=_say(status))
        except AssemblyError as exc:
            console.print(f"[red]Assembly failed:[/] {exc}")
            raise typer.Exit(1) from exc
    try:
        require_java()
    except JavaError as exc:
        console.print(f"[yellow]Assembled, but it cannot run here yet:[/] {exc}")
    jars = len(list(install.lib_dir.glob("*.jar")))
    console.print(
        f"Apache Kafka {install.version}: {jars} jars in {install.lib_dir} ({time.monotonic() - started:.1f} s)",
        soft_wrap=True,
    )


def _settings(kafka_version: str | None) -> BrokerSettings:
    settings = BrokerSettings()
    return settings.model_copy(update={"kafka_version": kafka_version}) if kafka_version else settings


def _choice(kind: Kind | None, settings: BrokerSettings) -> BrokerChoice:
    match kind:
        case None:
            return settings.kind
        case Kind.apache:
            return "apache"
        case Kind.tansu:
            return "tansu"
        case Kind.auto:
            return "auto"


def _say(status: Status) -> Callable[[str], None]:
    # Steps only move the spinner; warnings (like the Tansu fallback) arrive once, through logging.
    return lambda message: status.update(message)


def _log_to_console() -> None:
    handler = RichHandler(console=console, show_time=False, show_path=False)
    logging.basicConfig(level=logging.WARNING, handlers=[handler], format="%(message)s", force=True)
    logging.getLogger("services.broker").setLevel(logging.INFO)


def _announce(kind: str, bootstrap: str, pid: int, log_path: str, topics: bool) -> None:
    lines = [
        f"[bold]{kind}[/] broker ready on [bold green]{bootstrap}[/] (pid {pid})",
        f"log: {log_path}",
        f"topics: {'created' if topics else 'not created (--no-create-topics)'}",
        "",
        "Point services and tests at it with:",
        f"  [bold]export KAFKA_BOOTSTRAP_SERVERS={bootstrap}[/]",
        "",
        "Ctrl-C stops it.",
    ]
    if kind == "tansu":
        lines.insert(1, "[bold yellow]Tansu fallback: memory-only, everything is lost when it stops.[/]")
    console.print(Panel("\n".join(lines), title="aml broker", expand=False))
