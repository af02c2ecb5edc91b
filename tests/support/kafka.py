"""Pytest plugin: one Kafka-protocol broker for the whole test session.

`kafka_bootstrap` is `KAFKA_BOOTSTRAP_SERVERS` when that is set (a broker someone else runs; it is
neither started nor stopped here). Otherwise the session starts the project's own broker once, with
`services.broker.start_broker()` (Apache Kafka; the Tansu fallback where Java or Maven is missing, with
a warning in the test report), and stops it when the session ends. `AML_BROKER_KIND=tansu|apache`
forces a kind.

The broker is shared, so every test makes its own topics and group ids: `unique("transfers")`.
"""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

import pytest

from services.broker import BrokerSettings, RunningBroker, ensure_topics, start_broker
from services.broker.tansu import FALLBACK_WARNING

SessionKind = Literal["apache", "tansu", "external"]


@dataclass(frozen=True)
class KafkaSession:
    bootstrap: str
    kind: SessionKind
    """"external" when KAFKA_BOOTSTRAP_SERVERS pointed elsewhere: its kind is unknown here."""
    broker: RunningBroker | None = None
    """The process handle when this session started the broker; tests must not stop it."""


def unique_name(prefix: str) -> str:
    """`prefix.<8 hex>`: a topic name or group id no other test (or earlier run on the same broker) uses."""
    return f"{prefix}.{uuid.uuid4().hex[:8]}"


async def create_topics(bootstrap: str, names: Iterable[str], partitions: int = 4) -> None:
    """Create `names` with `partitions` each and wait until producers will see them."""
    await ensure_topics(bootstrap, dict.fromkeys(names, partitions))


@pytest.fixture(scope="session")
def kafka_session() -> Iterator[KafkaSession]:
    settings = BrokerSettings()
    if settings.bootstrap_servers:
        yield KafkaSession(settings.bootstrap_servers, "external")
        return
    broker = start_broker(settings.kind, settings=settings)
    try:
        if broker.kind == "tansu":
            # Surfaces in pytest's warnings summary, so nobody mistakes a green run for one on Kafka.
            warnings.warn(FALLBACK_WARNING, stacklevel=1)
        yield KafkaSession(broker.bootstrap_servers, broker.kind, broker)
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def kafka_bootstrap(kafka_session: KafkaSession) -> str:
    """`host:port` of the session's broker."""
    return kafka_session.bootstrap


@pytest.fixture
def unique() -> Callable[[str], str]:
    """Factory for per-test topic names and group ids: `unique("transfers")` → `transfers.1a2b3c4d`."""
    return unique_name
