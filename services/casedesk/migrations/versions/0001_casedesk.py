"""Case desk: cases, alerts, transfers seen, outbox, append-only audit log.

Revision ID: 0001_casedesk
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from services.database import UtcDateTime

revision: str = "0001_casedesk"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

# PostgreSQL: no role, the service's own included, may change or remove an audit row once written.
_APPEND_ONLY = (
    """
CREATE FUNCTION casedesk_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'casedesk_audit is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql
""",
    """
CREATE TRIGGER casedesk_audit_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON casedesk_audit
    FOR EACH STATEMENT EXECUTE FUNCTION casedesk_audit_append_only()
""",
)


def upgrade() -> None:
    op.create_table(
        "casedesk_cases",
        sa.Column("case_id", sa.String(32), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("exchange_id", sa.String(128), nullable=True),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("outcome", sa.String(24), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("assignee", sa.String(64), nullable=True),
        sa.Column("opened_at", UtcDateTime(), nullable=False),
        sa.Column("due_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("holds", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("rule_ids", sa.Text(), nullable=False),
        sa.Column("assets", sa.Text(), nullable=False),
        sa.Column("search", sa.Text(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("case_id", name="pk_casedesk_cases"),
    )
    for column in ("subject", "exchange_id", "status"):
        op.create_index(f"ix_casedesk_cases_{column}", "casedesk_cases", [column])
    op.create_index("ix_casedesk_cases_queue", "casedesk_cases", ["status", "priority", "due_at"])
    op.create_table(
        "casedesk_alerts",
        sa.Column("alert_id", sa.String(64), nullable=False),
        sa.Column("case_id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("transfer_id", sa.String(128), nullable=True),
        sa.Column("raised_at", UtcDateTime(), nullable=False),
        sa.Column("source", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("alert_id", name="pk_casedesk_alerts"),
    )
    op.create_index("ix_casedesk_alerts_case_id", "casedesk_alerts", ["case_id"])
    op.create_index("ix_casedesk_alerts_transfer_id", "casedesk_alerts", ["transfer_id"])
    op.create_table(
        "casedesk_transfers",
        sa.Column("transfer_id", sa.String(128), nullable=False),
        sa.Column("exchange_id", sa.String(128), nullable=False),
        sa.Column("occurred_at", UtcDateTime(), nullable=False),
        sa.Column("event", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("transfer_id", name="pk_casedesk_transfers"),
    )
    op.create_table(
        "casedesk_outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_casedesk_outbox"),
    )
    op.create_index("ix_casedesk_outbox_published", "casedesk_outbox", ["published"])
    op.create_table(
        "casedesk_audit",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_casedesk_audit"),
    )
    if op.get_bind().dialect.name == "postgresql":
        for statement in _APPEND_ONLY:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER casedesk_audit_append_only ON casedesk_audit")
        op.execute("DROP FUNCTION casedesk_audit_append_only()")
    for table in ("casedesk_audit", "casedesk_outbox", "casedesk_transfers", "casedesk_alerts", "casedesk_cases"):
        op.drop_table(table)
