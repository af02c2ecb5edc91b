"""The project's own Kafka-protocol broker: Apache Kafka 4.x (KRaft) assembled from Maven Central, with
Tansu as the memory-only fallback where Java or Maven is missing. Binds and advertises 127.0.0.1 only.

    with start_broker() as broker:            # or: bootstrap, handle = resolve_bootstrap()
        asyncio.run(ensure_topics(broker.bootstrap_servers, PARTITIONS))
"""

from services.broker.assembly import AssemblyError, KafkaInstall, assemble, find_install, kafka_home
from services.broker.launcher import apache_unavailable, choose_kind, resolve_bootstrap, start_broker
from services.broker.process import BrokerKind, RunningBroker
from services.broker.readiness import BrokerStartError
from services.broker.settings import DEFAULT_KAFKA_VERSION, BrokerChoice, BrokerSettings
from services.broker.topics import TopicError, ensure_project_topics, ensure_topics

__all__ = [
    "DEFAULT_KAFKA_VERSION",
    "AssemblyError",
    "BrokerChoice",
    "BrokerKind",
    "BrokerSettings",
    "BrokerStartError",
    "KafkaInstall",
    "RunningBroker",
    "TopicError",
    "apache_unavailable",
    "assemble",
    "choose_kind",
    "ensure_project_topics",
    "ensure_topics",
    "find_install",
    "kafka_home",
    "resolve_bootstrap",
    "start_broker",
]
