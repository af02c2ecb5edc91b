"""Auth: users, API keys, sessions, login failures.

Revision ID: 0001_auth
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from services.database import UtcDateTime

revision: str = "0001_auth"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "auth_users",
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("exchange_id", sa.String(128), nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("username", name="pk_auth_users"),
    )
    op.create_table(
        "auth_api_keys",
        sa.Column("key_id", sa.String(8), nullable=False),
        sa.Column("secret_digest", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("exchange_id", sa.String(128), nullable=True),
        sa.Column("label", sa.String(128), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("revoked_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("key_id", name="pk_auth_api_keys"),
    )
    op.create_table(
        "auth_sessions",
        sa.Column("token_digest", sa.String(64), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("ended_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("token_digest", name="pk_auth_sessions"),
        sa.ForeignKeyConstraint(["username"], ["auth_users.username"], name="fk_auth_sessions_username"),
    )
    op.create_table(
        "auth_login_failures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_auth_login_failures"),
    )
    op.create_index("ix_auth_login_failures_username", "auth_login_failures", ["username"])


def downgrade() -> None:
    op.drop_index("ix_auth_login_failures_username", "auth_login_failures")
    for table in ("auth_login_failures", "auth_sessions", "auth_api_keys", "auth_users"):
        op.drop_table(table)
