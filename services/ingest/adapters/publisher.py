"""Kafka producer side of ingest: transfers keyed by originator account, and dead letters."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from faststream.kafka import KafkaBroker

from schemas import DeadLetter, TransferEvent

_JSON = {"content-type": "application/json"}


class TransferPublisher:
    """Publishes and waits for the broker's acknowledgement (acks=all) of every record."""

    def __init__(self, bootstrap_servers: str, transfers_topic: str, dlq_topic: str) -> None:
        self.broker = KafkaBroker(bootstrap_servers, acks="all", enable_idempotence=False)
        self.transfers_topic = transfers_topic
        self.dlq_topic = dlq_topic

    async def start(self) -> None:
        await self.broker.start()

    async def stop(self) -> None:
        await self.broker.stop()

    async def publish(self, events: Sequence[TransferEvent]) -> None:
        # Sends are queued without awaiting each one (an awaited send per record costs a
        # round trip), then all confirmations are awaited before anything is reported accepted.
        futures = [
            await self.broker.publish(
                event.model_dump_json().encode(),
                topic=self.transfers_topic,
                key=event.partition_key,
                headers=_JSON,
                no_confirm=True,
            )
            for event in events
        ]
        await asyncio.gather(*futures)

    async def dead_letter(self, letters: Sequence[DeadLetter]) -> None:
        futures = [
            await self.broker.publish(
                letter.model_dump_json().encode(), topic=self.dlq_topic, headers=_JSON, no_confirm=True
            )
            for letter in letters
        ]
        await asyncio.gather(*futures)
