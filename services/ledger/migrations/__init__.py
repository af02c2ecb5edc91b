"""Alembic migrations of the ledger schema (run at start-up by `adapters.schema_migrator`)."""
