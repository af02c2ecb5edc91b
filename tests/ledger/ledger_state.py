"""Raw looks into a ledger database for assertions (independent of the HTTP read models)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.ledger.adapters.tables import balances, decisions, postings, transfers


async def transfer_row(engine: AsyncEngine, transfer_id: str) -> Any:
    async with engine.connect() as connection:
        return (await connection.execute(select(transfers).where(transfers.c.transfer_id == transfer_id))).one_or_none()


async def decision_rows(engine: AsyncEngine, transfer_id: str) -> list[Any]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(decisions).where(decisions.c.transfer_id == transfer_id).order_by(decisions.c.received_at)
        )
        return list(rows)


async def posting_kinds(engine: AsyncEngine, transfer_id: str) -> list[str]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(postings.c.kind).where(postings.c.transfer_id == transfer_id).order_by(postings.c.posting_id)
        )
        return [kind for (kind,) in rows]


async def balance(engine: AsyncEngine, account_id: str, asset: str) -> tuple[Decimal, Decimal]:
    async with engine.connect() as connection:
        row = (
            await connection.execute(
                select(balances.c.balance, balances.c.escrowed).where(
                    balances.c.account_id == account_id, balances.c.asset == asset
                )
            )
        ).one_or_none()
    return (Decimal(0), Decimal(0)) if row is None else (row.balance, row.escrowed)


async def count(engine: AsyncEngine, table: Any) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(table)) or 0)
