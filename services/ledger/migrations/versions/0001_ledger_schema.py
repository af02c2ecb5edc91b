"""Ledger schema: transfers, decisions history, postings, balances.

Revision ID: 0001_ledger_schema
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from services.database import UtcDateTime
from services.ledger.adapters.tables import Money

revision: str = "0001_ledger_schema"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

# Spelled out here rather than read from the domain enums: a migration is a snapshot and must
# not change when the code does.
STATES = "'pending', 'settled', 'escrowed', 'returned', 'frozen'"
OUTCOMES = "'applied', 'duplicate', 'rejected', 'waiting'"
POSTINGS = "'escrow', 'unescrow', 'settle'"


def upgrade() -> None:
    op.create_table(
        "ledger_transfers",
        sa.Column("transfer_id", sa.String(128), nullable=False),
        sa.Column("asset", sa.String(32), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("originator_account", sa.String(128), nullable=False),
        sa.Column("beneficiary_account", sa.String(128), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("effective_decision_id", sa.Uuid(), nullable=True),
        sa.Column("registered_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("transfer_id", name="pk_ledger_transfers"),
        sa.CheckConstraint(f"state IN ({STATES})", name="ck_ledger_transfers_state"),
    )
    op.create_index("ix_ledger_transfers_state", "ledger_transfers", ["state"])

    op.create_table(
        "ledger_decisions",
        sa.Column("decision_id", sa.Uuid(), nullable=False),
        sa.Column("transfer_id", sa.String(128), nullable=False),
        sa.Column("action", sa.String(8), nullable=False),
        sa.Column("resolution", sa.String(8), nullable=True),
        sa.Column("decided_by", sa.String(128), nullable=False),
        sa.Column("decided_at", UtcDateTime(), nullable=False),
        sa.Column("supersedes", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("applied", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("decision_id", name="pk_ledger_decisions"),
        sa.CheckConstraint(f"status IN ({OUTCOMES})", name="ck_ledger_decisions_status"),
    )
    op.create_index("ix_ledger_decisions_transfer_id", "ledger_decisions", ["transfer_id"])
    op.create_index("ix_ledger_decisions_status", "ledger_decisions", ["status"])

    op.create_table(
        "ledger_postings",
        sa.Column("posting_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("transfer_id", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("decision_id", sa.Uuid(), nullable=False),
        sa.Column("posted_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("posting_id", name="pk_ledger_postings"),
        sa.ForeignKeyConstraint(
            ["transfer_id"],
            ["ledger_transfers.transfer_id"],
            name="fk_ledger_postings_transfer_id_ledger_transfers",
        ),
        sa.UniqueConstraint("transfer_id", "kind", name="uq_ledger_postings_transfer_id"),
        sa.CheckConstraint(f"kind IN ({POSTINGS})", name="ck_ledger_postings_kind"),
    )

    op.create_table(
        "ledger_balances",
        sa.Column("account_id", sa.String(128), nullable=False),
        sa.Column("asset", sa.String(32), nullable=False),
        sa.Column("balance", Money(), nullable=False),
        sa.Column("escrowed", Money(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "asset", name="pk_ledger_balances"),
    )


def downgrade() -> None:
    op.drop_table("ledger_balances")
    op.drop_table("ledger_postings")
    op.drop_index("ix_ledger_decisions_status", table_name="ledger_decisions")
    op.drop_index("ix_ledger_decisions_transfer_id", table_name="ledger_decisions")
    op.drop_table("ledger_decisions")
    op.drop_index("ix_ledger_transfers_state", table_name="ledger_transfers")
    op.drop_table("ledger_transfers")
