"""The case desk's tables (SQLAlchemy Core), identical on SQLite and PostgreSQL.

A case is stored whole as JSON (`state`, the domain's `Case`) beside the columns the queue sorts and
filters on; alerts have rows of their own so that absorbing one twice is refused by the primary key,
and so that a transfer, account or wallet can be searched. The audit log is append-only: on PostgreSQL
a trigger refuses UPDATE and DELETE (migration 0001), whoever asks.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Float, Integer, MetaData, String, Table, Text

from services.database import UtcDateTime

VERSION_TABLE = "casedesk_alembic_version"

metadata = MetaData(naming_convention={"pk": "pk_%(table_name)s", "ix": "ix_%(table_name)s_%(column_0_name)s"})

cases = Table(
    "casedesk_cases",
    metadata,
    Column("case_id", String(32), primary_key=True),
    Column("subject", String(300), nullable=False, index=True),
    Column("exchange_id", String(128), nullable=True, index=True),
    Column("status", String(24), nullable=False, index=True),
    Column("outcome", String(24), nullable=True),
    Column("priority", Integer, nullable=False),
    Column("assignee", String(64), nullable=True),
    Column("opened_at", UtcDateTime(), nullable=False),
    Column("due_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("holds", Integer, nullable=False),
    Column("score", Float, nullable=False),
    # Space-separated and padded with spaces at both ends, for a LIKE '% rule %' filter on both databases.
    Column("rule_ids", Text, nullable=False),
    Column("assets", Text, nullable=False, default=" "),  # the same, of the assets of the case's transfers
    # Lower-cased subjects, transfer ids and party names, for the queue's search box.
    Column("search", Text, nullable=False),
    Column("state", JSON, nullable=False),
)

alerts = Table(
    "casedesk_alerts",
    metadata,
    Column("alert_id", String(64), primary_key=True),
    Column("case_id", String(32), nullable=False, index=True),
    Column("kind", String(24), nullable=False),
    Column("transfer_id", String(128), nullable=True, index=True),
    Column("raised_at", UtcDateTime(), nullable=False),
    Column("source", JSON, nullable=False),  # the decision or alert as it arrived, for the case page
)

transfers = Table(
    "casedesk_transfers",
    metadata,
    Column("transfer_id", String(128), primary_key=True),
    Column("exchange_id", String(128), nullable=False),
    Column("occurred_at", UtcDateTime(), nullable=False),
    Column("event", JSON, nullable=False),
)

outbox = Table(
    "casedesk_outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(32), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("key", String(128), nullable=False),
    Column("body", JSON, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("published", Boolean, nullable=False, default=False, index=True),
)

audit = Table(
    "casedesk_audit",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("actor", String(128), nullable=False),
    Column("action", String(64), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)
