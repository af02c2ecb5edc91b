"""Composition root of the ledger: settings → engine, ledger, queries, Kafka broker, HTTP API.

Building is free of IO; `app.running` starts what is built here, in order.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI
from faststream.kafka import KafkaBroker
from sqlalchemy.ext.asyncio import AsyncEngine

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
    ledger: Ledger
    queries: LedgerQueries
    consumer_status: ConsumerStatus
    broker: KafkaBroker
    api: FastAPI


def compose(settings: LedgerSettings) -> LedgerParts:
    engine = create_engine(settings.database_url, sqlite_busy_timeout_ms=settings.sqlite_busy_timeout_ms)
    ledger = Ledger(engine)
    queries = LedgerQueries(engine)
    status = ConsumerStatus()
    broker = build_broker(settings, BatchHandler(ledger, settings, status))
    return LedgerParts(
        settings=settings,
        engine=engine,
        ledger=ledger,
        queries=queries,
        consumer_status=status,
        broker=broker,
        api=build_api(queries, status),
    )
