"""Composition root of the case desk: settings → engines, stores, desk, auth, Kafka intake, outbox, HTTP app.

Building does no IO; `app.running` starts what is built here, in order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi import FastAPI
from faststream.kafka import KafkaBroker
from sqlalchemy.ext.asyncio import AsyncEngine

from services.auth.adapters.store import AuthStore
from services.auth.domain.throttle import Throttle
from services.auth.http import Authenticator
from services.auth.settings import AuthSettings
from services.casedesk.adapters.case_store import CaseStore
from services.casedesk.adapters.outbox import OutboxPublisher
from services.casedesk.api import create_app
from services.casedesk.desk import Desk
from services.casedesk.intake import Intake, IntakeStatus, build_broker
from services.casedesk.settings import CasedeskSettings
from services.database import create_engine
from services.screener.policy_file import load_policy


@dataclass(frozen=True)
class CasedeskParts:
    settings: CasedeskSettings
    engine: AsyncEngine
    auth_engine: AsyncEngine
    store: CaseStore
    desk: Desk
    outbox: OutboxPublisher
    broker: KafkaBroker
    api: FastAPI


def compose(settings: CasedeskSettings, auth_settings: AuthSettings) -> CasedeskParts:
    engine = create_engine(settings.database_url)
    auth_engine = create_engine(auth_settings.database_url)
    store = CaseStore(engine)
    desk = Desk(store)
    throttle = Throttle(auth_settings.login_max_failures, timedelta(seconds=auth_settings.login_window_s))

    async def audit_login(name: str, ok: bool, at: datetime) -> None:
        await store.audit(name, "login" if ok else "login_refused", "auth", {"user": name}, at)

    auth = Authenticator(AuthStore(auth_engine, throttle), auth_settings, on_login=audit_login)
    status = IntakeStatus()
    outbox = OutboxPublisher(store, settings.kafka_bootstrap_servers, settings.decisions_topic)
    # The policy file is read at start-up (a bad one stops it, as it stops the screener).
    sla_hours = load_policy(settings.policy_path).sla_hours
    broker = build_broker(settings, Intake(store, settings, status, sla_hours))
    api = create_app(store, desk, auth, status, outbox.flush, ledger_url=settings.ledger_url)
    return CasedeskParts(settings, engine, auth_engine, store, desk, outbox, broker, api)
