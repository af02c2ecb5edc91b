"""Read side of the ledger database: the reports behind the HTTP API."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.database import read_transaction
from services.ledger.adapters.tables import balances, decisions, transfers
from services.ledger.domain.balances import ZERO, add, canonical, negate
from services.ledger.domain.reports import (
    AccountBalances,
    AssetBalance,
    DecisionEntry,
    LedgerSummary,
    StateTotals,
    TransferReport,
)
from services.ledger.domain.transfer_state import Outcome, TransferState


class LedgerQueries:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def transfer(self, transfer_id: str) -> TransferReport | None:
        async with read_transaction(self._engine) as connection:
            row = (await connection.execute(select(transfers).where(transfers.c.transfer_id == transfer_id))).first()
            if row is None:
                return None
            history = await self._history(connection, transfer_id)
        return TransferReport(
            transfer_id=row.transfer_id,
            exchange_id=row.exchange_id,
            state=TransferState(row.state),
            asset=row.asset,
            amount=canonical(row.amount),
            originator_account=row.originator_account,
            beneficiary_account=row.beneficiary_account,
            effective_decision_id=row.effective_decision_id,
            registered_at=row.registered_at,
            updated_at=row.updated_at,
            decisions=history,
        )

    async def waiting_count(self, transfer_id: str) -> int:
        """Decisions parked for a transfer the ledger has not registered (for the 404 text)."""
        async with read_transaction(self._engine) as connection:
            count = await connection.scalar(select(func.count()).where(decisions.c.transfer_id == transfer_id))
        return int(count or 0)

    @staticmethod
    async def _history(connection: AsyncConnection, transfer_id: str) -> list[DecisionEntry]:
        rows = await connection.execute(
            select(decisions)
            .where(decisions.c.transfer_id == transfer_id)
            .order_by(decisions.c.received_at, decisions.c.decided_at, decisions.c.decision_id)
        )
        return [
            DecisionEntry(
                decision_id=r.decision_id,
                action=r.action,
                resolution=r.resolution,
                decided_by=r.decided_by,
                decided_at=r.decided_at,
                supersedes=r.supersedes,
                status=Outcome(r.status),
                applied=r.applied,
                note=r.note,
                received_at=r.received_at,
            )
            for r in rows
        ]

    async def summary(self) -> LedgerSummary:
        amounts: dict[TransferState, dict[str, Decimal]] = {state: {} for state in TransferState}
        counts: dict[TransferState, int] = dict.fromkeys(TransferState, 0)
        async with read_transaction(self._engine) as connection:
            # Summed in Python: SQLite keeps amounts as text (it has no exact decimal type),
            # so SQL SUM() there would add binary floats.
            rows = await connection.stream(select(transfers.c.state, transfers.c.asset, transfers.c.amount))
            async for state_name, asset, amount in rows:
                state = TransferState(state_name)
                counts[state] += 1
                per_asset = amounts[state]
                per_asset[asset] = add(per_asset.get(asset, ZERO), amount)
            outcome_rows = await connection.execute(
                select(decisions.c.status, func.count()).group_by(decisions.c.status)
            )
            outcomes = {Outcome(status): int(n) for status, n in outcome_rows}
        return LedgerSummary(
            states=counts,
            total_transfers=sum(counts.values()),
            totals={
                state: StateTotals(
                    count=counts[state],
                    amounts={asset: canonical(total) for asset, total in sorted(amounts[state].items())},
                )
                for state in TransferState
            },
            decisions={outcome: outcomes.get(outcome, 0) for outcome in Outcome},
        )

    async def balances(self, account_id: str) -> AccountBalances:
        async with read_transaction(self._engine) as connection:
            rows = await connection.execute(
                select(balances).where(balances.c.account_id == account_id).order_by(balances.c.asset)
            )
            entries = [
                AssetBalance(
                    asset=r.asset,
                    balance=canonical(r.balance),
                    escrowed=canonical(r.escrowed),
                    available=canonical(add(r.balance, negate(r.escrowed))),
                )
                for r in rows
            ]
        return AccountBalances(account_id=account_id, balances=entries)

    async def ping(self) -> None:
        async with self._engine.connect() as connection:
            await connection.scalar(select(1))
