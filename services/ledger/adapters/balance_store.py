"""Balance rows: a batch's net deltas added in one or two statements, whatever the number of accounts.

Balances are shared between transfers, so the per-transfer locks do not cover them: two
replicas may touch the same account at once. Every row is reached through an upsert, which
creates it if missing and, on PostgreSQL, keeps it locked until commit (`ON CONFLICT DO
UPDATE` locks the row it updates; SQLite admits one writer anyway). Rows are upserted in
(account, asset) order, so two batches never wait on each other's rows in opposite orders.

PostgreSQL adds in place: NUMERIC arithmetic is exact. SQLite keeps amounts as text (its
arithmetic would be binary floating point), so there the upsert returns the stored amounts,
Python adds them as `Decimal`, and a second statement writes the sums.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import bindparam, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.ledger.adapters.ledger_store import insert_for
from services.ledger.adapters.tables import balances
from services.ledger.domain.balances import ZERO, BalanceSheet, add

# One fixed statement (compiled and prepared once); unnest() yields the rows in array order,
# which is the sorted order the locks must be taken in.
_ADD_UNNESTED = text(
    """
    INSERT INTO ledger_balances AS b (account_id, asset, balance, escrowed, updated_at)
    SELECT d.account_id, d.asset, d.balance, d.escrowed, :now
    FROM unnest(
        CAST(:accounts AS text[]), CAST(:assets AS text[]), CAST(:balances AS numeric[]), CAST(:escrowed AS numeric[])
    ) AS d(account_id, asset, balance, escrowed)
    ON CONFLICT (account_id, asset) DO UPDATE
    SET balance = b.balance + excluded.balance, escrowed = b.escrowed + excluded.escrowed, updated_at = :now
    """
).bindparams(bindparam("now", type_=balances.c.updated_at.type))


async def apply_balances(connection: AsyncConnection, sheet: BalanceSheet, now: datetime) -> None:
    """Add the batch's net deltas to the balance rows."""
    deltas = list(sheet)  # sorted by (account, asset)
    if not deltas:
        return
    if connection.dialect.name == "postgresql":
        await connection.execute(
            _ADD_UNNESTED,
            {
                "now": now,
                "accounts": [d.account_id for d in deltas],
                "assets": [d.asset for d in deltas],
                "balances": [d.balance for d in deltas],
                "escrowed": [d.escrowed for d in deltas],
            },
        )
        return
    upsert = insert_for(connection, balances)
    # The no-op SET is what makes the conflicting row locked and returned; DO NOTHING would do neither.
    upsert = upsert.on_conflict_do_update(
        index_elements=["account_id", "asset"], set_={"updated_at": upsert.excluded.updated_at}
    ).returning(balances.c.account_id, balances.c.asset, balances.c.balance, balances.c.escrowed)
    zero_rows = [
        {"account_id": d.account_id, "asset": d.asset, "balance": ZERO, "escrowed": ZERO, "updated_at": now}
        for d in deltas
    ]
    rows = await connection.execute(upsert, zero_rows)
    current: dict[tuple[str, str], tuple[Decimal, Decimal]] = {
        (row.account_id, row.asset): (row.balance, row.escrowed) for row in rows
    }
    params = []
    for delta in deltas:
        balance, escrowed = current[(delta.account_id, delta.asset)]
        params.append(
            {
                "key_account": delta.account_id,
                "key_asset": delta.asset,
                "new_balance": add(balance, delta.balance),
                "new_escrowed": add(escrowed, delta.escrowed),
            }
        )
    await connection.execute(
        update(balances)
        .where(balances.c.account_id == bindparam("key_account"), balances.c.asset == bindparam("key_asset"))
        .values(balance=bindparam("new_balance"), escrowed=bindparam("new_escrowed"), updated_at=now),
        params,
    )
