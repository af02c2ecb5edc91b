"""The ledger's tables (SQLAlchemy Core), identical on SQLite and PostgreSQL.

Idempotency lives in the schema, not only in code: a decision id can be stored once
(primary key), a transfer id once, and each kind of posting once per transfer, so a
redelivered or concurrently replayed event cannot settle anything twice.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Dialect,
    ForeignKey,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.types import TypeDecorator, TypeEngine

from services.database import UtcDateTime
from services.ledger.domain.balances import canonical
from services.ledger.domain.transfer_state import Outcome, Posting, TransferState

VERSION_TABLE = "ledger_alembic_version"
"""Alembic's version table: the ledger may share a database with other services, and its own
table keeps the revision histories apart."""

metadata = MetaData(
    naming_convention={
        "pk": "pk_%(table_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    }
)


class Money(TypeDecorator[Decimal]):
    """Exact decimal: NUMERIC on PostgreSQL, canonical text on SQLite.

    SQLite has no decimal type (NUMERIC there means float), so amounts are stored as text
    and all arithmetic happens in Python with `Decimal`.
    """

    impl = String(80)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(Numeric(80, 18, asdecimal=True))
        return dialect.type_descriptor(String(80))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None or dialect.name == "postgresql":
            return value
        return canonical(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


STATES = ", ".join(f"'{state}'" for state in TransferState)
OUTCOMES = ", ".join(f"'{outcome}'" for outcome in Outcome)
POSTINGS = ", ".join(f"'{posting}'" for posting in Posting)

transfers = Table(
    "ledger_transfers",
    metadata,
    Column("transfer_id", String(128), primary_key=True),
    Column("exchange_id", String(128), nullable=True),
    Column("asset", String(32), nullable=False),
    Column("amount", Money(), nullable=False),
    Column("originator_account", String(128), nullable=False),
    Column("beneficiary_account", String(128), nullable=False),
    Column("state", String(16), nullable=False, index=True),
    Column("effective_decision_id", Uuid(), nullable=True),
    Column("registered_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    CheckConstraint(f"state IN ({STATES})", name="state"),
)

# No foreign key to transfers: a decision may arrive before its transfer and waits here.
decisions = Table(
    "ledger_decisions",
    metadata,
    Column("decision_id", Uuid(), primary_key=True),
    Column("transfer_id", String(128), nullable=False, index=True),
    Column("action", String(8), nullable=False),
    Column("resolution", String(8), nullable=True),
    Column("decided_by", String(128), nullable=False),
    Column("decided_at", UtcDateTime(), nullable=False),
    Column("supersedes", Uuid(), nullable=True),
    Column("status", String(16), nullable=False, index=True),
    Column("applied", Boolean(), nullable=False),
    Column("note", Text(), nullable=True),
    Column("payload", JSON(), nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
    CheckConstraint(f"status IN ({OUTCOMES})", name="status"),
)

# One row per balance movement; the unique (transfer_id, kind) is the last line of defence
# against settling (or escrowing) a transfer twice.
postings = Table(
    "ledger_postings",
    metadata,
    Column("posting_id", Integer(), primary_key=True, autoincrement=True),
    Column("transfer_id", String(128), ForeignKey("ledger_transfers.transfer_id"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("decision_id", Uuid(), nullable=False),
    Column("posted_at", UtcDateTime(), nullable=False),
    UniqueConstraint("transfer_id", "kind"),
    CheckConstraint(f"kind IN ({POSTINGS})", name="kind"),
)

balances = Table(
    "ledger_balances",
    metadata,
    Column("account_id", String(128), primary_key=True),
    Column("asset", String(32), primary_key=True),
    Column("balance", Money(), nullable=False),
    Column("escrowed", Money(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)
