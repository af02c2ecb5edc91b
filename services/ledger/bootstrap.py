"""Composition root of the ledger: settings → engine, ledger, queries, Kafka broker, HTTP API.

Building is free of IO; `app.running` starts what is built here, in order.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI
from faststream.kafka import KafkaBroker
from sqlalchemy.ext.asyncio import AsyncEngine

from services.auth.adapters.store import AuthStore
from services.auth.http import Authenticator
from services.auth.settings import AuthSettings
from services.database import create_engine
from services.ledger.adapters.ledger_queries import LedgerQueries
from services.ledger.consumer import BatchHandler, ConsumerStatus, build_broker
from services.ledger.http_api import build_api
from services.ledger.ledger import Ledger
from services.ledger.settings import LedgerSettings


@dataclass(frozen=True)
class LedgerParts:
    settings: LedgerSettings
    engine: AsyncEngine
    auth_engine: AsyncEngine
    ledger: Ledger
    queries: LedgerQueries
    consumer_status: ConsumerStatus
    broker: KafkaBroker
    api: FastAPI


def compose(settings: LedgerSettings, auth_settings: AuthSettings | None = None) -> LedgerParts:
    auth_settings = auth_settings or AuthSettings()
    engine = create_engine(settings.database_url, sqlite_busy_timeout_ms=settings.sqlite_busy_timeout_ms)
    auth_engine = create_engine(auth_settings.database_url)
    ledger = Ledger(engine)
    queries = LedgerQueries(engine)
    status = ConsumerStatus()
    broker = build_broker(settings, BatchHandler(ledger, settings, status))
    return LedgerParts(
        settings=settings,
        engine=engine,
        auth_engine=auth_engine,
        ledger=ledger,
        queries=queries,
        consumer_status=status,
        broker=broker,
        api=build_api(queries, Authenticator(AuthStore(auth_engine), auth_settings), status),
    )
