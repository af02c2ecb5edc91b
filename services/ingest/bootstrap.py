"""Composition root of ingest: settings → database, publisher, intake, HTTP app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from fastapi import FastAPI

from services.auth.adapters.store import AuthStore
from services.auth.cli import opened_store
from services.auth.http import Authenticator
from services.auth.settings import AuthSettings
from services.database import create_engine, migrate
from services.ingest.adapters.publisher import TransferPublisher
from services.ingest.adapters.store import AcceptedStore
from services.ingest.api import create_app
from services.ingest.intake import Admission, Intake
from services.ingest.settings import Settings
from services.log_limits import install_repeat_limit


async def exchanges_with_keys(auth_settings: AuthSettings) -> frozenset[str]:
    """The exchanges that hold a live API key (read at start-up: a new exchange's namespace counts from the
    next start)."""
    async with opened_store(auth_settings) as store:
        return frozenset(k.exchange_id for k in await store.keys() if k.exchange_id and k.revoked_at is None)


@asynccontextmanager
async def open_intake(settings: Settings, known_exchanges: frozenset[str] = frozenset()) -> AsyncIterator[Intake]:
    """A ready intake: schema migrated, producer connected; both closed on exit."""
    await migrate(settings.database_url, "services.ingest")
    engine = create_engine(settings.database_url)
    publisher = TransferPublisher(
        settings.kafka_bootstrap_servers,
        settings.transfers_topic,
        settings.dlq_topic,
        timeout_s=settings.publish_timeout_s,
    )
    await publisher.start()
    try:
        yield Intake(publisher, AcceptedStore(engine), Admission.from_settings(settings, known_exchanges))
    finally:
        await publisher.stop()
        await engine.dispose()


def build_app(settings: Settings, auth_settings: AuthSettings | None = None) -> FastAPI:
    """The API; exchanges are known by their API keys in the shared auth database (aml keys create)."""
    auth_settings = auth_settings or AuthSettings()
    auth_engine = create_engine(auth_settings.database_url)
    authenticator = Authenticator(AuthStore(auth_engine), auth_settings)

    @asynccontextmanager
    async def opened() -> AsyncIterator[Intake]:
        try:
            known = await exchanges_with_keys(auth_settings)  # migrates the auth tables on a fresh database
            async with open_intake(settings, known) as intake:
                yield intake
        finally:
            await auth_engine.dispose()

    return create_app(settings, opened, authenticator)


async def serve(settings: Settings) -> None:
    # A stopped broker makes aiokafka log every reconnect attempt, thousands of lines a second.
    install_repeat_limit("aiokafka")
    app = build_app(settings)
    config = uvicorn.Config(app, host=settings.http_host, port=settings.http_port, log_level="warning")
    await uvicorn.Server(config).serve()
