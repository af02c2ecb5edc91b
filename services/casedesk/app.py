"""The case desk process: HTTP (UI and API), Kafka intake and the outbox in one event loop.

Start-up: migrations, HTTP (so /healthz answers during the consumer group join), outbox, intake.
Shutdown in reverse; SIGTERM/SIGINT stop it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator

from services.auth.settings import AuthSettings
from services.casedesk.bootstrap import CasedeskParts, compose
from services.casedesk.settings import CasedeskSettings
from services.database import upgrade_schema
from services.http_server import bind, serving

log = logging.getLogger(__name__)


@contextlib.asynccontextmanager
async def running(settings: CasedeskSettings, auth_settings: AuthSettings) -> AsyncIterator[tuple[CasedeskParts, int]]:
    parts = compose(settings, auth_settings)
    try:
        await upgrade_schema(parts.engine, "services.casedesk")
        await upgrade_schema(parts.auth_engine, "services.auth")
        sock = bind(settings.http_host, settings.http_port)
        async with serving(parts.api, sock, settings.log_level, "casedesk-http") as port:
            await parts.outbox.start()
            try:
                await parts.broker.start()
                try:
                    yield parts, port
                finally:
                    await parts.broker.stop()
            finally:
                await parts.outbox.stop()
    finally:
        await parts.engine.dispose()
        await parts.auth_engine.dispose()


async def run(settings: CasedeskSettings, auth_settings: AuthSettings) -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("services.casedesk").setLevel(settings.log_level)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with running(settings, auth_settings) as (_, port):
        log.info("case desk at http://%s:%d/ (decisions %s)", settings.http_host, port, settings.decisions_topic)
        await stop.wait()
