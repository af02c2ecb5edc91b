"""The idempotency store: which transfer ids ingest has already published, with their content hash."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Column, DateTime, MetaData, String, Table, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from schemas import TransferEvent
from schemas.common import utc_now
from services.ingest.domain.submission import fingerprint

metadata = MetaData()

accepted = Table(
    "ingest_accepted_transfers",
    metadata,
    Column("transfer_id", String(128), primary_key=True),
    Column("exchange_id", String(128), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("accepted_at", DateTime(timezone=True), nullable=False),
)

_LOOKUP_CHUNK = 500


@dataclass(frozen=True, slots=True)
class Holder:
    """Who a transfer id was accepted for, and the content hash it was accepted with."""

    exchange_id: str
    fingerprint: str


class AcceptedStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def holders(self, transfer_ids: Sequence[str]) -> dict[str, Holder]:
        found: dict[str, Holder] = {}
        columns = (accepted.c.transfer_id, accepted.c.exchange_id, accepted.c.fingerprint)
        async with self.engine.connect() as conn:
            for start in range(0, len(transfer_ids), _LOOKUP_CHUNK):
                chunk = transfer_ids[start : start + _LOOKUP_CHUNK]
                rows = await conn.execute(select(*columns).where(accepted.c.transfer_id.in_(chunk)))
                found.update({row.transfer_id: Holder(row.exchange_id, row.fingerprint) for row in rows})
        return found

    async def record(self, events: Iterable[TransferEvent]) -> None:
        """Remember published events. Called only after Kafka confirmed them (see intake.py)."""
        now = utc_now()
        values = [
            {
                "transfer_id": e.transfer_id,
                "exchange_id": e.exchange_id,
                "fingerprint": fingerprint(e),
                "accepted_at": now,
            }
            for e in events
        ]
        if not values:
            return
        insert = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        async with self.engine.begin() as conn:
            for start in range(0, len(values), _LOOKUP_CHUNK):
                statement = insert(accepted).values(values[start : start + _LOOKUP_CHUNK])
                await conn.execute(statement.on_conflict_do_nothing(index_elements=["transfer_id"]))
