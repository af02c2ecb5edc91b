"""Alembic migrations of the case desk tables."""
