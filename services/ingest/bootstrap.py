"""Composition root of ingest: settings → database, publisher, intake, HTTP app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from fastapi import FastAPI

from services.database import create_engine, migrate
from services.ingest.adapters.publisher import TransferPublisher
from services.ingest.adapters.store import AcceptedStore
from services.ingest.api import create_app
from services.ingest.intake import Admission, Intake
from services.ingest.settings import Settings
from services.log_limits import install_repeat_limit


@asynccontextmanager
async def open_intake(settings: Settings) -> AsyncIterator[Intake]:
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
        yield Intake(publisher, AcceptedStore(engine), Admission.from_settings(settings))
    finally:
        await publisher.stop()
        await engine.dispose()


def build_app(settings: Settings) -> FastAPI:
    return create_app(settings, lambda: open_intake(settings))


async def serve(settings: Settings) -> None:
    # A stopped broker makes aiokafka log every reconnect attempt, thousands of lines a second.
    install_repeat_limit("aiokafka")
    app = build_app(settings)
    config = uvicorn.Config(app, host=settings.http_host, port=settings.http_port, log_level="warning")
    await uvicorn.Server(config).serve()
