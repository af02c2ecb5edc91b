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
from collections.abc import AsyncIterator
from dataclasses import dataclass

from services import database
from services.auth.settings import AuthSettings
from services.http_server import bind, serving
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


@contextlib.asynccontextmanager
async def _http(parts: LedgerParts) -> AsyncIterator[int]:
    settings = parts.settings
    sock = bind(settings.http_host, settings.http_port)
    async with serving(parts.api, sock, settings.log_level, "ledger-http") as port:
        yield port


@contextlib.asynccontextmanager
async def running(settings: LedgerSettings, auth_settings: AuthSettings | None = None) -> AsyncIterator[RunningLedger]:
    """The whole ledger, started; leaving the block shuts it down gracefully."""
    parts = compose(settings, auth_settings)
    try:
        if settings.migrate_on_start:
            await upgrade_schema(parts.engine)
            await database.upgrade_schema(parts.auth_engine, "services.auth")
        async with _http(parts) as port:
            try:
                await parts.broker.start()
                yield RunningLedger(parts, port)
            finally:
                # Also after a failed start: it closes the consumer that start() opened.
                await parts.broker.stop()
    finally:
        await parts.engine.dispose()
        await parts.auth_engine.dispose()


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
