"""PostgreSQL bulk inserts as one fixed statement: the rows travel as one array per column.

SQLAlchemy's executemany on asyncpg renders a multi-row VALUES whose text changes with the
number of rows, so nearly every batch is compiled and prepared anew (tens of milliseconds
for a few hundred rows). `INSERT … SELECT … FROM unnest(:col1, :col2, …)` has one text per
table, compiled once, prepared once per connection, and inserts the rows in array order.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import JSON, Dialect, Table, TextClause, text
from sqlalchemy.ext.asyncio import AsyncConnection


@cache
def _statement(
    dialect: Dialect, table: Table, columns: tuple[str, ...], conflict: str | None, returning: str | None
) -> TextClause:
    arrays = ", ".join(f"CAST(:{name} AS {table.c[name].type.compile(dialect=dialect)}[])" for name in columns)
    names = ", ".join(columns)
    sql = f"INSERT INTO {table.name} ({names}) SELECT {names} FROM unnest({arrays}) AS rows({names})"
    if conflict is not None:
        sql += f" ON CONFLICT ({conflict}) DO NOTHING"
    if returning is not None:
        sql += f" RETURNING {returning}"
    return text(sql)


async def insert_unnested(
    connection: AsyncConnection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    conflict: str | None = None,
    returning: str | None = None,
) -> int:
    """Insert `rows` (dicts with the same keys) and return how many rows were inserted."""
    columns = tuple(rows[0])
    arrays: dict[str, list[Any]] = {name: [row[name] for row in rows] for name in columns}
    for name in columns:
        if isinstance(table.c[name].type, JSON):
            # asyncpg takes json values as text; the ORM type would have serialised them.
            arrays[name] = [None if value is None else json.dumps(value) for value in arrays[name]]
    result = await connection.execute(_statement(connection.dialect, table, columns, conflict, returning), arrays)
    return len(result.all()) if returning is not None else result.rowcount
