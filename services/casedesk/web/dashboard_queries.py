"""The dashboard's aggregates over the case desk's tables: open holds by age, alerts per rule per day, SLAs.

Every figure is counted by the database (SQLAlchemy Core over `adapters/tables.py`), so the dashboard costs
a few grouped scans whatever the number of cases; only the short "oldest" and "most overdue" lists return
rows. An exchange-scoped officer's figures cover that exchange's cases only.

Rule ids live inside the stored decisions (`casedesk_alerts.source`, a JSON column): they are unnested with
the database's own JSON function, `json_each` on SQLite and `json_array_elements` on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, ColumnElement, Select, String, and_, case, func, select, true, type_coerce
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.casedesk.adapters.tables import alerts, cases
from services.casedesk.domain.case import CaseStatus
from services.database import is_sqlite, read_transaction

HOLD_AGE_BUCKETS: tuple[tuple[str, float, float | None], ...] = (
    ("< 1 h", 0.0, 1.0),
    ("1-4 h", 1.0, 4.0),
    ("4-12 h", 4.0, 12.0),
    ("12-24 h", 12.0, 24.0),
    ("1-3 d", 24.0, 72.0),
    ("> 3 d", 72.0, None),
)
"""(label, from hours, to hours): how long funds have waited in escrow."""

LIST_LENGTH = 8


@dataclass(frozen=True, slots=True)
class AgeBucket:
    label: str
    count: int


@dataclass(frozen=True, slots=True)
class OpenHold:
    case_id: str
    transfer_id: str | None
    priority: int
    raised_at: datetime


@dataclass(frozen=True, slots=True)
class RuleDay:
    day: date
    rule_id: str
    count: int


@dataclass(frozen=True, slots=True)
class SlaLine:
    priority: int
    open: int
    overdue: int


@dataclass(frozen=True, slots=True)
class OverdueCase:
    case_id: str
    subject: str
    priority: int
    due_at: datetime


@dataclass(frozen=True, slots=True)
class Dashboard:
    now: datetime
    days: tuple[date, ...]
    hold_ages: tuple[AgeBucket, ...]
    oldest_holds: tuple[OpenHold, ...]
    alerts_per_rule: tuple[RuleDay, ...]
    sla: tuple[SlaLine, ...]
    most_overdue: tuple[OverdueCase, ...]

    @property
    def open_holds(self) -> int:
        return sum(b.count for b in self.hold_ages)

    @property
    def open_cases(self) -> int:
        return sum(line.open for line in self.sla)

    @property
    def overdue_cases(self) -> int:
        return sum(line.overdue for line in self.sla)

    @property
    def alerts_in_window(self) -> int:
        return sum(r.count for r in self.alerts_per_rule)


def _scope(exchange_scope: str | None) -> list[ColumnElement[bool]]:
    return [] if exchange_scope is None else [cases.c.exchange_id == exchange_scope]


_OPEN = cases.c.status != CaseStatus.CLOSED.value


class DashboardQueries:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def dashboard(self, exchange_scope: str | None, now: datetime, days: int = 14) -> Dashboard:
        """Every figure of the dashboard, read in one snapshot."""
        first_day = now.astimezone(UTC).date() - timedelta(days=days - 1)
        async with read_transaction(self.engine) as connection:
            ages = await self._hold_ages(connection, exchange_scope, now)
            oldest = await self._oldest_holds(connection, exchange_scope)
            per_rule = await self._alerts_per_rule(connection, exchange_scope, first_day)
            sla = await self._sla(connection, exchange_scope, now)
            overdue = await self._most_overdue(connection, exchange_scope, now)
        return Dashboard(
            now=now,
            days=tuple(first_day + timedelta(days=i) for i in range(days)),
            hold_ages=ages,
            oldest_holds=oldest,
            alerts_per_rule=per_rule,
            sla=sla,
            most_overdue=overdue,
        )

    async def _hold_ages(self, connection: AsyncConnection, scope: str | None, now: datetime) -> tuple[AgeBucket, ...]:
        raised = alerts.c.raised_at
        columns: list[ColumnElement[Any]] = []
        for _, low, high in HOLD_AGE_BUCKETS:
            # The first bucket has no lower bound: a hold raised "in the future" (a clock ahead of ours) is new.
            bounds = [] if low == 0.0 else [raised <= now - timedelta(hours=low)]
            if high is not None:
                bounds.append(raised > now - timedelta(hours=high))
            within = and_(*bounds)
            columns.append(func.coalesce(func.sum(case((within, 1), else_=0)), 0).label(f"b{len(columns)}"))
        query = (
            select(*columns)
            .select_from(alerts.join(cases, cases.c.case_id == alerts.c.case_id))
            .where(alerts.c.kind == "hold", _OPEN, *_scope(scope))
        )
        row = (await connection.execute(query)).one()
        return tuple(AgeBucket(label, int(row[i])) for i, (label, _, _) in enumerate(HOLD_AGE_BUCKETS))

    async def _oldest_holds(self, connection: AsyncConnection, scope: str | None) -> tuple[OpenHold, ...]:
        query = (
            select(alerts.c.case_id, alerts.c.transfer_id, alerts.c.raised_at, cases.c.priority)
            .select_from(alerts.join(cases, cases.c.case_id == alerts.c.case_id))
            .where(alerts.c.kind == "hold", _OPEN, *_scope(scope))
            .order_by(alerts.c.raised_at, alerts.c.alert_id)
            .limit(LIST_LENGTH)
        )
        rows = await connection.execute(query)
        return tuple(OpenHold(r.case_id, r.transfer_id, int(r.priority), r.raised_at) for r in rows)

    async def _alerts_per_rule(
        self, connection: AsyncConnection, scope: str | None, first_day: date
    ) -> tuple[RuleDay, ...]:
        since = datetime(first_day.year, first_day.month, first_day.day, tzinfo=UTC)
        counted: dict[tuple[str, str], int] = {}
        for query in (self._decision_rules(scope, since), self._other_alerts(scope, since)):
            for row in await connection.execute(query):
                if row.day is None or row.rule_id is None:
                    continue
                key = (str(row.day), str(row.rule_id))
                counted[key] = counted.get(key, 0) + int(row.n)
        return tuple(RuleDay(date.fromisoformat(day), rule_id, n) for (day, rule_id), n in sorted(counted.items()))

    def _day(self) -> ColumnElement[str]:
        if is_sqlite(self.engine):  # stored as "YYYY-MM-DD HH:MM:SS.ffffff", in UTC
            return type_coerce(func.substr(type_coerce(alerts.c.raised_at, String), 1, 10), String)
        return func.to_char(func.timezone("UTC", alerts.c.raised_at), "YYYY-MM-DD")

    def _decision_rules(self, scope: str | None, since: datetime) -> Select[Any]:
        """One count per (day, rule) over the reasons of the held and flagged decisions."""
        if is_sqlite(self.engine):
            reasons = func.json_each(alerts.c.source, "$.reasons").table_valued("value", joins_implicitly=True)
            rule: ColumnElement[Any] = func.json_extract(reasons.c.value, "$.rule_id")
        else:
            reasons = func.json_array_elements(alerts.c.source["reasons"]).table_valued("value", joins_implicitly=True)
            rule = type_coerce(reasons.c.value, JSON)["rule_id"].as_string()
        day = self._day().label("day")
        return (
            select(day, rule.label("rule_id"), func.count().label("n"))
            .select_from(alerts.join(cases, cases.c.case_id == alerts.c.case_id))
            .join(reasons, true())
            .where(alerts.c.kind.in_(("hold", "flag")), alerts.c.raised_at >= since, *_scope(scope))
            .group_by(day, rule)
        )

    def _other_alerts(self, scope: str | None, since: datetime) -> Select[Any]:
        """Retro-screening hits and release proposals carry no reasons: counted under their kind."""
        day = self._day().label("day")
        kind = alerts.c.kind.label("rule_id")
        return (
            select(day, kind, func.count().label("n"))
            .select_from(alerts.join(cases, cases.c.case_id == alerts.c.case_id))
            .where(alerts.c.kind.in_(("retro_hit", "release_proposal")), alerts.c.raised_at >= since, *_scope(scope))
            .group_by(day, alerts.c.kind)
        )

    async def _sla(self, connection: AsyncConnection, scope: str | None, now: datetime) -> tuple[SlaLine, ...]:
        overdue = func.coalesce(func.sum(case((cases.c.due_at < now, 1), else_=0)), 0)
        query = (
            select(cases.c.priority, func.count().label("n"), overdue.label("late"))
            .where(_OPEN, *_scope(scope))
            .group_by(cases.c.priority)
            .order_by(cases.c.priority)
        )
        found = {int(r.priority): (int(r.n), int(r.late)) for r in await connection.execute(query)}
        levels = sorted({1, 2, 3, 4, *found})
        return tuple(SlaLine(p, *found.get(p, (0, 0))) for p in levels)

    async def _most_overdue(
        self, connection: AsyncConnection, scope: str | None, now: datetime
    ) -> tuple[OverdueCase, ...]:
        query = (
            select(cases.c.case_id, cases.c.subject, cases.c.priority, cases.c.due_at)
            .where(_OPEN, cases.c.due_at < now, *_scope(scope))
            .order_by(cases.c.due_at, cases.c.case_id)
            .limit(LIST_LENGTH)
        )
        rows = await connection.execute(query)
        return tuple(OverdueCase(r.case_id, r.subject, int(r.priority), r.due_at) for r in rows)


def rule_ids(days: Sequence[RuleDay]) -> list[str]:
    """The rules present, most alerts first (then by id): the order of the chart's legend."""
    totals: dict[str, int] = {}
    for d in days:
        totals[d.rule_id] = totals.get(d.rule_id, 0) + d.count
    return sorted(totals, key=lambda r: (-totals[r], r))
