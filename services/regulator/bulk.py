"""Bulk exports of the case desk for regulators' own analysis: cases, alerts, decisions and resolutions.

Four tables over a half-open date range [since, until), read in one snapshot (`read_transaction`):

- `cases` opened in the range (by `opened_at`),
- `alerts` raised in the range (by `raised_at`),
- `decisions`: the screening decisions among those alerts (an alert whose source is a `Decision`),
- `resolutions`: the officers' resolutions put in the outbox in the range (by the outbox's `created_at`).

Every frame has an explicit schema, so an empty range still gives every column, and every datetime column
is `Datetime("us", "UTC")`. Lists (rule ids) are joined with ";". `COLUMNS` documents each column.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import polars as pl
from pydantic import TypeAdapter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from schemas import Alert
from services.casedesk.adapters.tables import alerts, cases, outbox
from services.casedesk.domain.alert import CaseAlert
from services.casedesk.domain.case import Case
from services.database import read_transaction

__all__ = ["COLUMNS", "SCHEMAS", "TABLES", "BulkFormat", "export_tables", "write"]

RESOLUTION = "resolution"  # the outbox kind of officers' resolutions (services.casedesk.desk.RESOLUTION)
SEPARATOR = ";"

_UTC = pl.Datetime("us", "UTC")
_CASE = TypeAdapter(Case)


class BulkFormat(StrEnum):
    CSV = "csv"
    PARQUET = "parquet"


COLUMNS: dict[str, dict[str, str]] = {
    "cases": {
        "case_id": "Case id (C- and ten hex digits, derived from the alert that opened it).",
        "exchange_id": "Exchange the case belongs to (empty for retro-screening cases not tied to one).",
        "subject": "Grouping key: entry:<list>:<id>, account:<id>, wallet:<address> or transfer:<id>.",
        "status": "new, in_review, awaiting_approval or closed.",
        "outcome": "How a closed case ended (released, rejected, frozen, false_positive, ...); empty while open.",
        "priority": "1 (most urgent) to 4.",
        "assignee": "Officer the case is assigned to, if any.",
        "opened_at": "When the case was opened (UTC); the date range filters on this.",
        "due_at": "SLA deadline (UTC).",
        "closed_at": "When the case was closed (UTC); empty while open.",
        "holds": "Number of holds (held transfers) among the case's alerts.",
        "rule_ids": "Rules that fired across the case's alerts, sorted, ';'-joined.",
    },
    "alerts": {
        "alert_id": "Alert id: a screening decision's decision_id, or a retro-screening alert's alert_id.",
        "case_id": "Case the alert was filed into.",
        "kind": "hold, flag, retro_hit or release_proposal.",
        "transfer_id": "Transfer held, flagged or proposed for release; empty for a retro hit.",
        "raised_at": "When the alert was raised (UTC); the date range filters on this.",
        "rule_ids": "Rules behind the alert, ';'-joined.",
        "score": "Risk score of the decision, or the match score of a retro hit (1.0 for an exact wallet hit).",
    },
    "decisions": {
        "decision_id": "Screening decision id (UUID).",
        "transfer_id": "Transfer screened.",
        "action": "hold or flag (allowed transfers raise no case and are not exported).",
        "score": "Risk score.",
        "policy_version": "Screening policy version that decided.",
        "watchlist_version": "Watchlist version screened against.",
        "decided_at": "When the screener decided (UTC); the date range filters on this.",
        "reasons": "Rule ids of the decision's reasons, in order, ';'-joined.",
    },
    "resolutions": {
        "decision_id": "Resolution decision id (UUID, derived from the hold and the outcome).",
        "transfer_id": "Transfer resolved.",
        "resolution": "release, reject or freeze.",
        "supersedes": "decision_id of the hold this resolution ends.",
        "decided_by": "Officer(s) who decided: maker, or maker/checker for a four-eyes decision.",
        "decided_at": "When the officers decided (UTC); the date range filters on this.",
    },
}

SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "cases": {
        "case_id": pl.String(),
        "exchange_id": pl.String(),
        "subject": pl.String(),
        "status": pl.String(),
        "outcome": pl.String(),
        "priority": pl.Int64(),
        "assignee": pl.String(),
        "opened_at": _UTC,
        "due_at": _UTC,
        "closed_at": _UTC,
        "holds": pl.Int64(),
        "rule_ids": pl.String(),
    },
    "alerts": {
        "alert_id": pl.String(),
        "case_id": pl.String(),
        "kind": pl.String(),
        "transfer_id": pl.String(),
        "raised_at": _UTC,
        "rule_ids": pl.String(),
        "score": pl.Float64(),
    },
    "decisions": {
        "decision_id": pl.String(),
        "transfer_id": pl.String(),
        "action": pl.String(),
        "score": pl.Float64(),
        "policy_version": pl.String(),
        "watchlist_version": pl.String(),
        "decided_at": _UTC,
        "reasons": pl.String(),
    },
    "resolutions": {
        "decision_id": pl.String(),
        "transfer_id": pl.String(),
        "resolution": pl.String(),
        "supersedes": pl.String(),
        "decided_by": pl.String(),
        "decided_at": _UTC,
    },
}

TABLES: tuple[str, ...] = tuple(SCHEMAS)


def _utc(value: datetime | str | None) -> datetime | None:
    if value is None:
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _frame(table: str, rows: list[dict[str, Any]]) -> pl.DataFrame:
    schema = SCHEMAS[table]
    return pl.DataFrame({name: [row[name] for row in rows] for name in schema}, schema=schema)


def _is_decision(source: Mapping[str, Any]) -> bool:
    return "decision_id" in source and "action" in source


def _alert_facts(source: Mapping[str, Any]) -> tuple[list[str], float | None]:
    """Rule ids and score of an alert, from the record it came from."""
    if _is_decision(source):
        return [str(r["rule_id"]) for r in source.get("reasons", ())], float(source["score"])
    made = CaseAlert.from_alert(Alert.model_validate(source))  # the desk's own reading of a retro alert
    return list(made.rule_ids), made.score


async def export_tables(engine: AsyncEngine, since: datetime, until: datetime) -> dict[str, pl.DataFrame]:
    """The four tables over [since, until), read in one snapshot."""
    start, end = _utc(since), _utc(until)
    async with read_transaction(engine) as connection:
        case_rows = await connection.execute(
            select(cases)
            .where(cases.c.opened_at >= start, cases.c.opened_at < end)
            .order_by(cases.c.opened_at, cases.c.case_id)
        )
        alert_rows = await connection.execute(
            select(alerts)
            .where(alerts.c.raised_at >= start, alerts.c.raised_at < end)
            .order_by(alerts.c.raised_at, alerts.c.alert_id)
        )
        outbox_rows = await connection.execute(
            select(outbox)
            .where(outbox.c.kind == RESOLUTION, outbox.c.created_at >= start, outbox.c.created_at < end)
            .order_by(outbox.c.id)
        )
        case_list = [
            {
                "case_id": r.case_id,
                "exchange_id": r.exchange_id,
                "subject": r.subject,
                "status": r.status,
                "outcome": r.outcome,
                "priority": int(r.priority),
                "assignee": r.assignee,
                "opened_at": _utc(r.opened_at),
                "due_at": _utc(r.due_at),
                "closed_at": _utc(_CASE.validate_python(r.state).closed_at),
                "holds": int(r.holds),
                "rule_ids": SEPARATOR.join(r.rule_ids.split()),
            }
            for r in case_rows
        ]
        alert_list: list[dict[str, Any]] = []
        decision_list: list[dict[str, Any]] = []
        for r in alert_rows:
            source: Mapping[str, Any] = r.source
            rule_ids, score = _alert_facts(source)
            alert_list.append(
                {
                    "alert_id": r.alert_id,
                    "case_id": r.case_id,
                    "kind": r.kind,
                    "transfer_id": r.transfer_id,
                    "raised_at": _utc(r.raised_at),
                    "rule_ids": SEPARATOR.join(rule_ids),
                    "score": score,
                }
            )
            if _is_decision(source):
                decision_list.append(
                    {
                        "decision_id": str(source["decision_id"]),
                        "transfer_id": str(source["transfer_id"]),
                        "action": str(source["action"]),
                        "score": float(source["score"]),
                        "policy_version": str(source["policy_version"]),
                        "watchlist_version": str(source["watchlist_version"]),
                        "decided_at": _utc(source["decided_at"]),
                        "reasons": SEPARATOR.join(rule_ids),
                    }
                )
        resolution_list = [
            {
                "decision_id": str(r.body["decision_id"]),
                "transfer_id": str(r.body["transfer_id"]),
                "resolution": r.body.get("resolution"),
                "supersedes": r.body.get("supersedes"),
                "decided_by": r.body.get("decided_by"),
                "decided_at": _utc(r.body["decided_at"]),
            }
            for r in outbox_rows
        ]
    return {
        "cases": _frame("cases", case_list),
        "alerts": _frame("alerts", alert_list),
        "decisions": _frame("decisions", decision_list),
        "resolutions": _frame("resolutions", resolution_list),
    }


def write(frames: Mapping[str, pl.DataFrame], path: Path, fmt: BulkFormat | str) -> list[Path]:
    """Write one `<table>.csv` or `<table>.parquet` per frame into the directory `path` (created)."""
    kind = BulkFormat(fmt)
    path.mkdir(parents=True, exist_ok=True)
    written = []
    for table, frame in frames.items():
        target = path / f"{table}.{kind.value}"
        if kind is BulkFormat.CSV:
            frame.write_csv(target)
        else:
            frame.write_parquet(target)
        written.append(target)
    return written


def read(path: Path, fmt: BulkFormat | str) -> dict[str, pl.DataFrame]:
    """Read back what `write` wrote, with the export's schemas (CSV keeps no types of its own)."""
    kind = BulkFormat(fmt)
    frames = {}
    for table, schema in SCHEMAS.items():
        target = path / f"{table}.{kind.value}"
        frames[table] = pl.read_csv(target, schema=schema) if kind is BulkFormat.CSV else pl.read_parquet(target)
    return frames
