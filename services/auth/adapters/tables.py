"""The auth tables (SQLAlchemy Core), identical on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Integer, MetaData, String, Table

from services.database import UtcDateTime

VERSION_TABLE = "auth_alembic_version"
"""Auth may share a database with a service; its own version table keeps the histories apart."""

metadata = MetaData(naming_convention={"pk": "pk_%(table_name)s", "fk": "fk_%(table_name)s_%(column_0_name)s"})

users = Table(
    "auth_users",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("password_hash", String(255), nullable=False),
    Column("role", String(16), nullable=False),
    Column("exchange_id", String(128), nullable=True),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

api_keys = Table(
    "auth_api_keys",
    metadata,
    Column("key_id", String(8), primary_key=True),
    Column("secret_digest", String(64), nullable=False),
    Column("role", String(16), nullable=False),
    Column("exchange_id", String(128), nullable=True),
    Column("label", String(128), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("revoked_at", UtcDateTime(), nullable=True),
)

sessions = Table(
    "auth_sessions",
    metadata,
    Column("token_digest", String(64), primary_key=True),
    Column("username", String(64), ForeignKey("auth_users.username"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("ended_at", UtcDateTime(), nullable=True),
)

login_failures = Table(
    "auth_login_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, index=True),
    Column("at", UtcDateTime(), nullable=False),
)
