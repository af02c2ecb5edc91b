"""Ledger: each transfer records its exchange, so an exchange's key reads only its own transfers.

Revision ID: 0002_transfer_exchange
Revises: 0001_ledger_schema
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002_transfer_exchange"
down_revision: str | None = "0001_ledger_schema"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # Nullable: transfers registered before this revision have no recorded exchange (only the unscoped see them).
    with op.batch_alter_table("ledger_transfers") as batch:
        batch.add_column(sa.Column("exchange_id", sa.String(128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ledger_transfers") as batch:
        batch.drop_column("exchange_id")
