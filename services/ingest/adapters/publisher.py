"""Kafka producer side of ingest: transfers keyed by originator account, and dead letters.

A plain aiokafka producer (not FastStream's broker wrapper): ingest only produces, and it needs the
producer's own client for the health probe and aiokafka's own error types to answer a broker outage.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from aiokafka.protocol.metadata import MetadataRequest

from schemas import DeadLetter, TransferEvent

_JSON = [("content-type", b"application/json")]
PROBE_TIMEOUT_S = 1.0
"""Bound of the health probe: /healthz must answer while the broker does not."""


class BrokerUnavailable(Exception):
    """The broker did not take the write in time, or refused it; nothing of the submission is accepted.

    Some records may still have reached the topic (acknowledged before the deadline, or in flight when it
    passed). The exchange retries, and the retry publishes them again: a duplicate record on Kafka, with
    the same transfer id and content, which the screener and the ledger drop by transfer id. Ingest never
    records a transfer as accepted before the broker acknowledged it, so nothing is lost.
    """

    def __init__(self, reason: str, retry_after_s: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after_s = retry_after_s


@dataclass
class _Outcome:
    at: float
    reason: str | None = None


class TransferPublisher:
    """Publishes and waits for the broker's acknowledgement (acks=all) of every record, at most `timeout_s`."""

    def __init__(
        self,
        bootstrap_servers: str,
        transfers_topic: str,
        dlq_topic: str,
        *,
        timeout_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap_servers,
            acks="all",
            enable_idempotence=False,
            # Also the life of a queued batch: records of a submission already answered 503 are dropped by
            # the producer soon after, instead of trickling onto the topic when the broker returns.
            request_timeout_ms=max(1000, int(timeout_s * 1000)),
        )
        self.transfers_topic = transfers_topic
        self.dlq_topic = dlq_topic
        self.timeout_s = timeout_s
        self.retry_after_s = max(1, math.ceil(timeout_s))
        self._clock = clock
        self._last_success: _Outcome | None = None
        self._last_failure: _Outcome | None = None

    async def start(self) -> None:
        await self.producer.start()

    async def stop(self) -> None:
        await self.producer.stop()

    async def publish(self, events: Sequence[TransferEvent]) -> None:
        """Raises BrokerUnavailable on a timeout or any Kafka error."""
        await self._send(self.transfers_topic, [(e.partition_key, e.model_dump_json().encode()) for e in events])

    async def dead_letter(self, letters: Sequence[DeadLetter]) -> None:
        await self._send(self.dlq_topic, [(None, letter.model_dump_json().encode()) for letter in letters])

    async def _send(self, topic: str, records: Sequence[tuple[bytes | None, bytes]]) -> None:
        if not records:
            return
        try:
            async with asyncio.timeout(self.timeout_s):
                # Sends are queued without awaiting each one (an awaited send per record costs a round
                # trip), then all confirmations are awaited before anything is reported accepted.
                futures = [await self.producer.send(topic, value, key=key, headers=_JSON) for key, value in records]
                await asyncio.gather(*futures)
        except TimeoutError as exc:
            raise self._failed(f"the broker did not acknowledge the write within {self.timeout_s:g} s") from exc
        except (KafkaError, OSError) as exc:  # every aiokafka error, and a socket error it did not wrap
            raise self._failed(f"the broker refused the write: {type(exc).__name__}: {exc}") from exc
        self._last_success = _Outcome(self._clock())

    def _failed(self, reason: str) -> BrokerUnavailable:
        self._last_failure = _Outcome(self._clock(), reason)
        return BrokerUnavailable(reason, self.retry_after_s)

    async def health(self) -> str | None:
        """None when healthy; else why not: the last publish failed after the last success, or the probe did."""
        failure, success = self._last_failure, self._last_success
        if failure is not None and (success is None or failure.at > success.at):
            return f"the last publish failed: {failure.reason}"
        return await self.probe()

    async def probe(self) -> str | None:
        """A metadata request for no topics over the producer's own connection, bounded by PROBE_TIMEOUT_S.

        Cheap: no topic metadata is returned, and an open connection is reused (a closed one is re-opened,
        which is what tells a stopped broker apart from a quiet one).
        """
        client = self.producer.client
        try:
            async with asyncio.timeout(PROBE_TIMEOUT_S):
                node = client.get_random_node()
                if node is None:
                    return "no broker is known from the cluster metadata"
                await client.send(node, MetadataRequest([]))
        except TimeoutError:
            return f"the broker did not answer a metadata request within {PROBE_TIMEOUT_S:g} s"
        except (KafkaError, OSError) as exc:
            return f"the broker is unreachable: {type(exc).__name__}: {exc}"
        return None
