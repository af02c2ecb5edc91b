"""Alembic migrations of the auth tables."""
