"""Cases, alerts, transfers, outbox and audit in the database.

Every write goes through `write_transaction` and appends to the audit chain in the same transaction,
so a case changes exactly when its audit entry is written. Appends are serialised (SQLite: the one
writer lock; PostgreSQL: an advisory transaction lock), so the chain never forks.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import and_, func, insert, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from schemas import TransferEvent
from services.casedesk.adapters.tables import alerts, audit, cases, outbox, transfers
from services.casedesk.domain.alert import AlertKind, CaseAlert
from services.casedesk.domain.audit_chain import AuditEntry, chain
from services.casedesk.domain.case import Case, CaseStatus
from services.casedesk.domain.grouping import absorb
from services.database import is_sqlite, write_transaction

_CASE = TypeAdapter(Case)
_AUDIT_LOCK = 0x63617365  # "case": one audit appender at a time on PostgreSQL


def case_json(case: Case) -> dict[str, Any]:
    """A case as JSON, as it is stored and as the APIs answer it."""
    body: dict[str, Any] = _CASE.dump_python(case, mode="json")
    return body


def case_id_for(alert_id: str) -> str:
    """The id of the case an alert opens: derived, so a redelivered alert could never open a second one."""
    return "C-" + hashlib.sha256(alert_id.encode()).hexdigest()[:10].upper()


def _row(case: Case, now: datetime) -> dict[str, Any]:
    rule_ids = sorted({r for a in case.alerts for r in a.rule_ids})
    names = [m.party_name for a in case.alerts for m in a.matches if m.party_name]
    words = [case.subject, *(s for a in case.alerts for s in a.subjects), *names]
    words += [t for a in case.alerts for t in (a.transfer_id, *a.related_transfer_ids) if t]
    return {
        "case_id": case.case_id,
        "subject": case.subject[:300],
        "exchange_id": case.exchange_id,
        "status": case.status.value,
        "outcome": case.outcome.value if case.outcome else None,
        "priority": int(case.priority),
        "assignee": case.assignee,
        "opened_at": case.opened_at,
        "due_at": case.due_at,
        "updated_at": now,
        "holds": sum(1 for a in case.alerts if a.kind is AlertKind.HOLD),
        "score": max((a.score for a in case.alerts), default=0.0),
        "rule_ids": " " + " ".join(rule_ids) + " ",
        "search": " ".join(dict.fromkeys(w.lower() for w in words)),
        "state": _CASE.dump_python(case, mode="json"),
    }


@dataclass(frozen=True, slots=True)
class QueueFilter:
    status: str | None = None
    """`open` (default: anything not closed), a status, or `all`."""
    action: str | None = None
    """`hold` or `flag`: cases with at least one such alert."""
    rule: str | None = None
    exchange: str | None = None
    assignee: str | None = None
    older_than_hours: float | None = None
    search: str | None = None
    asset: str | None = None
    opened_from: datetime | None = None
    opened_to: datetime | None = None
    """Cases opened in [opened_from, opened_to): the regulator's date range."""


@dataclass(frozen=True, slots=True)
class OutboxItem:
    id: int
    case_id: str
    kind: str
    key: str
    body: dict[str, Any]


class CaseStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    # The audit chain

    async def _append(
        self, connection: AsyncConnection, entries: Iterable[tuple[datetime, str, str, str, Mapping[str, Any]]]
    ) -> None:
        if not is_sqlite(self.engine):
            await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _AUDIT_LOCK})
        last = (await connection.execute(select(audit).order_by(audit.c.seq.desc()).limit(1))).first()
        previous = None if last is None else AuditEntry(**last._mapping)
        rows = []
        for at, actor, action, subject, payload in entries:
            previous = chain(previous, at, actor, action, subject, payload)
            rows.append(
                {
                    f: getattr(previous, f)
                    for f in ("seq", "at", "actor", "action", "subject", "payload", "prev_hash", "hash")
                }
            )
        if rows:
            await connection.execute(insert(audit), rows)

    async def audit(self, actor: str, action: str, subject: str, payload: Mapping[str, Any], now: datetime) -> None:
        """An audit entry of its own (a login, an export)."""
        async with write_transaction(self.engine) as connection:
            await self._append(connection, [(now, actor, action, subject, payload)])

    async def audit_entries(self) -> list[AuditEntry]:
        async with self.engine.connect() as connection:
            rows = await connection.execute(select(audit).order_by(audit.c.seq))
            return [AuditEntry(**row._mapping) for row in rows]

    # Intake

    async def record_transfers(self, events: Sequence[TransferEvent]) -> None:
        """Keep transfers (as on the wire) for the case pages and their exchange; a repeat changes nothing."""
        if not events:
            return
        values = [
            {
                "transfer_id": e.transfer_id,
                "exchange_id": e.exchange_id,
                "occurred_at": e.occurred_at,
                "event": e.model_dump(mode="json"),
            }
            for e in events
        ]
        insert_ = sqlite_insert if is_sqlite(self.engine) else pg_insert
        async with write_transaction(self.engine) as connection:
            statement = insert_(transfers).values(values).on_conflict_do_nothing(index_elements=["transfer_id"])
            await connection.execute(statement)

    async def exchanges_of(self, transfer_ids: Iterable[str]) -> dict[str, str]:
        ids = sorted(set(transfer_ids))
        if not ids:
            return {}
        async with self.engine.connect() as connection:
            rows = await connection.execute(
                select(transfers.c.transfer_id, transfers.c.exchange_id).where(transfers.c.transfer_id.in_(ids))
            )
            return {row.transfer_id: row.exchange_id for row in rows}

    async def absorb(
        self, items: Sequence[tuple[CaseAlert, Mapping[str, Any]]], now: datetime, sla_hours: Mapping[int, float]
    ) -> int:
        """File alerts (each with the record it came from) into cases; returns how many were new."""
        new = 0
        async with write_transaction(self.engine) as connection:
            known = set()
            ids = [alert.alert_id for alert, _ in items]
            if ids:
                found = await connection.execute(select(alerts.c.alert_id).where(alerts.c.alert_id.in_(ids)))
                known = {row.alert_id for row in found}
            entries: list[tuple[datetime, str, str, str, Mapping[str, Any]]] = []
            for alert, source in items:
                if alert.alert_id in known:
                    continue  # at-least-once delivery: the same decision or alert again
                known.add(alert.alert_id)
                open_ = await self._open_case(connection, alert.subject, alert.exchange_id)
                absorbed = absorb(
                    {} if open_ is None else {open_.case_id: open_}, alert, now, sla_hours, case_id_for(alert.alert_id)
                )
                case = absorbed.case
                row = _row(case, now)
                row["assets"] = await self._assets(connection, case)
                if absorbed.opened:
                    await connection.execute(insert(cases).values(row))
                else:
                    await connection.execute(update(cases).where(cases.c.case_id == case.case_id).values(row))
                await connection.execute(
                    insert(alerts).values(
                        alert_id=alert.alert_id,
                        case_id=case.case_id,
                        kind=alert.kind.value,
                        transfer_id=alert.transfer_id,
                        raised_at=alert.raised_at,
                        source=dict(source),
                    )
                )
                entries.append(
                    (
                        now,
                        "system",
                        "alert",
                        case.case_id,
                        {
                            "alert_id": alert.alert_id,
                            "kind": alert.kind.value,
                            "transfer_id": alert.transfer_id,
                            "rule_ids": list(alert.rule_ids),
                            "opened": absorbed.opened,
                            "note": absorbed.note,
                        },
                    )
                )
                new += 1
            await self._append(connection, entries)
        return new

    async def _assets(self, connection: AsyncConnection, case: Case) -> str:
        """The assets of the case's transfers, padded for the queue's LIKE filter (transfers on file only)."""
        ids = sorted({t for a in case.alerts for t in (a.transfer_id, *a.related_transfer_ids) if t})
        if not ids:
            return " "
        rows = await connection.execute(
            select(transfers.c.event["asset"].as_string()).where(transfers.c.transfer_id.in_(ids))
        )
        return " " + " ".join(sorted({r[0] for r in rows if r[0]})) + " "

    async def _open_case(self, connection: AsyncConnection, subject: str, exchange_id: str | None) -> Case | None:
        # Per exchange: two exchanges' customers may share an account id, and neither may see the other's case.
        same_exchange = cases.c.exchange_id.is_(None) if exchange_id is None else cases.c.exchange_id == exchange_id
        query = select(cases.c.state).where(
            cases.c.subject == subject, cases.c.status != CaseStatus.CLOSED.value, same_exchange
        )
        row = (await connection.execute(query)).first()
        return None if row is None else _CASE.validate_python(row.state)

    # Reading

    async def case(self, case_id: str, connection: AsyncConnection | None = None) -> Case | None:
        query = select(cases.c.state).where(cases.c.case_id == case_id)
        if connection is not None:
            if not is_sqlite(self.engine):
                query = query.with_for_update()
            row = (await connection.execute(query)).first()
        else:
            async with self.engine.connect() as own:
                row = (await own.execute(query)).first()
        return None if row is None else _CASE.validate_python(row.state)

    async def sources(self, case_id: str) -> list[dict[str, Any]]:
        """The decisions and alerts of a case as they arrived, oldest first."""
        async with self.engine.connect() as connection:
            rows = await connection.execute(
                select(alerts.c.source).where(alerts.c.case_id == case_id).order_by(alerts.c.raised_at)
            )
            return [dict(row.source) for row in rows]

    async def transfers(self, transfer_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        ids = sorted(set(transfer_ids))
        if not ids:
            return {}
        async with self.engine.connect() as connection:
            rows = await connection.execute(
                select(transfers.c.transfer_id, transfers.c.event).where(transfers.c.transfer_id.in_(ids))
            )
            return {row.transfer_id: dict(row.event) for row in rows}

    async def history(self, case_id: str) -> list[AuditEntry]:
        async with self.engine.connect() as connection:
            rows = await connection.execute(select(audit).where(audit.c.subject == case_id).order_by(audit.c.seq))
            return [AuditEntry(**row._mapping) for row in rows]

    async def queue(
        self, where: QueueFilter, exchange_scope: str | None, now: datetime, limit: int = 50, offset: int = 0
    ) -> tuple[list[Case], int]:
        """A page of cases, most urgent first (priority, then the SLA due time), and how many match."""
        conditions = []
        status = where.status or "open"
        if status == "open":
            conditions.append(cases.c.status != CaseStatus.CLOSED.value)
        elif status != "all":
            conditions.append(cases.c.status == status)
        if exchange_scope is not None:
            conditions.append(cases.c.exchange_id == exchange_scope)
        if where.exchange:
            conditions.append(cases.c.exchange_id == where.exchange)
        if where.assignee:
            conditions.append(cases.c.assignee == where.assignee)
        if where.rule:
            conditions.append(cases.c.rule_ids.like(f"% {where.rule} %"))
        if where.asset:
            conditions.append(cases.c.assets.like(f"% {where.asset} %"))
        if where.opened_from is not None:
            conditions.append(cases.c.opened_at >= where.opened_from)
        if where.opened_to is not None:
            conditions.append(cases.c.opened_at < where.opened_to)
        if where.action == "hold":
            conditions.append(cases.c.holds > 0)
        elif where.action == "flag":
            conditions.append(cases.c.holds == 0)
        if where.older_than_hours is not None:
            conditions.append(cases.c.opened_at <= now - timedelta(hours=where.older_than_hours))
        if where.search:
            term = where.search.strip().lower()
            conditions.append(
                or_(cases.c.search.contains(term, autoescape=True), cases.c.case_id == where.search.strip())
            )
        condition = and_(*conditions) if conditions else None
        page = (
            select(cases.c.state)
            .order_by(cases.c.priority, cases.c.due_at, cases.c.case_id)
            .limit(limit)
            .offset(offset)
        )
        count = select(func.count()).select_from(cases)
        if condition is not None:
            page, count = page.where(condition), count.where(condition)
        async with self.engine.connect() as connection:
            found = [_CASE.validate_python(row.state) for row in await connection.execute(page)]
            total = int((await connection.execute(count)).scalar_one())
        return found, total

    # Acting

    async def save(
        self,
        connection: AsyncConnection,
        case: Case,
        now: datetime,
        audit_entries: Sequence[tuple[str, str, Mapping[str, Any]]],
        outbound: Sequence[tuple[str, str, dict[str, Any]]],
    ) -> None:
        """Write a changed case, its audit entries (actor, action, payload) and its outbox items (kind, key, body)."""
        await connection.execute(update(cases).where(cases.c.case_id == case.case_id).values(_row(case, now)))
        await self._append(
            connection, [(now, actor, action, case.case_id, payload) for actor, action, payload in audit_entries]
        )
        if outbound:
            await connection.execute(
                insert(outbox),
                [
                    {
                        "case_id": case.case_id,
                        "kind": kind,
                        "key": key,
                        "body": body,
                        "created_at": now,
                        "published": False,
                    }
                    for kind, key, body in outbound
                ],
            )

    async def pending(self, kind: str, limit: int = 500) -> list[OutboxItem]:
        """Outbox items of `kind` not yet published, oldest first."""
        async with self.engine.connect() as connection:
            rows = await connection.execute(
                select(outbox).where(~outbox.c.published, outbox.c.kind == kind).order_by(outbox.c.id).limit(limit)
            )
            return [OutboxItem(r.id, r.case_id, r.kind, r.key, dict(r.body)) for r in rows]

    async def mark_published(self, ids: Sequence[int]) -> None:
        if ids:
            async with write_transaction(self.engine) as connection:
                await connection.execute(update(outbox).where(outbox.c.id.in_(list(ids))).values(published=True))
