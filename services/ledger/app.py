"""The ledger process: HTTP API and Kafka consumer in one event loop, stopped by SIGTERM/SIGINT.

Start-up order: schema migration, HTTP (so /healthz answers during the slow consumer
group join), then the consumer. Shutdown runs in reverse: the consumer drains its batch
in flight and commits, then HTTP stops, then the database pool closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import uvicorn

from services.ledger.adapters.schema_migrator import upgrade_schema
from services.ledger.bootstrap import LedgerParts, compose
from services.ledger.settings import LedgerSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunningLedger:
    parts: LedgerParts
    http_port: int

    @property
    def base_url(self) -> str:
        return f"http://{self.parts.settings.http_host}:{self.http_port}"


class _EmbeddedServer(uvicorn.Server):
    """Uvicorn without its own signal handlers: the ledger process owns SIGTERM/SIGINT and
    must stop the consumer too, not just the HTTP server."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _bind(host: str, port: int) -> socket.socket:
    # Bound here rather than by uvicorn, which calls sys.exit() when the port is taken.
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


@contextlib.asynccontextmanager
async def _http(parts: LedgerParts) -> AsyncIterator[int]:
    settings = parts.settings
    sock = _bind(settings.http_host, settings.http_port)
    config = uvicorn.Config(parts.api, log_level=settings.log_level.lower(), access_log=False, lifespan="off")
    server = _EmbeddedServer(config)
    task = asyncio.create_task(server.serve(sockets=[sock]), name="ledger-http")
    try:
        while not server.started:
            if task.done():
                await task
                raise RuntimeError("the HTTP server stopped during start-up")
            await asyncio.sleep(0.02)
        yield int(sock.getsockname()[1])
    finally:
        server.should_exit = True
        await task
        sock.close()


@contextlib.asynccontextmanager
async def running(settings: LedgerSettings) -> AsyncIterator[RunningLedger]:
    """The whole ledger, started; leaving the block shuts it down gracefully."""
    parts = compose(settings)
    try:
        if settings.migrate_on_start:
            await upgrade_schema(parts.engine)
        async with _http(parts) as port:
            try:
                await parts.broker.start()
                yield RunningLedger(parts, port)
            finally:
                # Also after a failed start: it closes the consumer that start() opened.
                await parts.broker.stop()
    finally:
        await parts.engine.dispose()


async def run(settings: LedgerSettings) -> None:
    """Run the ledger until SIGTERM or SIGINT."""
    if not logging.getLogger().handlers:
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("services.ledger").setLevel(settings.log_level)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGTERM, signal.SIGINT)
    for sig in signals:
        loop.add_signal_handler(sig, stop.set)
    try:
        async with running(settings) as ledger:
            log.info(
                "ledger running: HTTP %s, consuming %s and %s as group %s",
                ledger.base_url,
                settings.transfers_topic,
                settings.decisions_topic,
                settings.kafka_group_id,
            )
            await stop.wait()
            log.info("ledger stopping")
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)
