"""The broker the project starts itself: Apache Kafka (KRaft) and the Tansu fallback, end to end."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from schemas.topics import PARTITIONS
from services.broker import (
    BrokerSettings,
    RunningBroker,
    apache,
    apache_unavailable,
    choose_kind,
    ensure_topics,
    java,
    start_broker,
    tansu,
)
from tests.broker.sockets import listening_addresses
from tests.support.kafka import KafkaSession, create_topics, unique_name

LOOPBACK = "127.0.0.1"


def _settings() -> BrokerSettings:
    # These tests start their own brokers, whatever KAFKA_BOOTSTRAP_SERVERS says.
    return BrokerSettings(bootstrap_servers=None)


def _require_apache() -> None:
    reason = apache_unavailable(_settings())
    if reason is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"Apache Kafka cannot run: {reason}", pytrace=False)
    pytest.skip(f"Apache Kafka cannot run: {reason}")


@pytest.fixture(scope="module")
def apache_broker(kafka_session: KafkaSession) -> Iterator[RunningBroker]:
    """The session's broker when the session started Apache Kafka itself (saves a JVM), else our own."""
    if kafka_session.kind == "apache" and kafka_session.broker is not None:
        yield kafka_session.broker
        return
    _require_apache()
    with start_broker("apache", settings=_settings()) as broker:
        yield broker


async def _round_trip(bootstrap: str, session_timeout_ms: int, heartbeat_ms: int) -> None:
    topic, group = unique_name("t.roundtrip"), unique_name("g.roundtrip")
    await ensure_topics(bootstrap, {topic: 4})
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        sent = await producer.send_and_wait(topic, b'{"amount": "12.50"}', key=b"acct-1", headers=[("v", b"1")])
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        session_timeout_ms=session_timeout_ms,
        heartbeat_interval_ms=heartbeat_ms,
    )
    await consumer.start()
    try:
        message = await consumer.getone()
        await consumer.commit()
        committed = await consumer.committed(TopicPartition(message.topic, message.partition))
    finally:
        await consumer.stop()
    assert (message.key, message.value, message.headers) == (b"acct-1", b'{"amount": "12.50"}', (("v", b"1"),))
    assert (message.partition, message.offset) == (sent.partition, sent.offset)
    assert committed == message.offset + 1


async def _partition_counts(bootstrap: str) -> dict[str, int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return {entry["topic"]: len(entry["partitions"]) for entry in await admin.describe_topics()}
    finally:
        await admin.close()


def _assert_loopback_only(broker: RunningBroker) -> None:
    if sys.platform != "linux":
        return
    addresses = listening_addresses(broker.pid)
    assert (LOOPBACK, broker.port) in addresses
    assert {ip for ip, _ in addresses} == {LOOPBACK}, addresses


@pytest.mark.kafka
@pytest.mark.asyncio
async def test_apache_produces_and_consumes_through_a_group(apache_broker: RunningBroker) -> None:
    assert apache_broker.kind == "apache"
    await _round_trip(apache_broker.bootstrap_servers, session_timeout_ms=6000, heartbeat_ms=500)


@pytest.mark.kafka
@pytest.mark.asyncio
async def test_ensure_topics_creates_the_asked_partition_counts(apache_broker: RunningBroker) -> None:
    bootstrap = apache_broker.bootstrap_servers
    wanted = {unique_name("t.four"): 4, unique_name("t.one"): 1, unique_name("t.seven"): 7}
    await ensure_topics(bootstrap, wanted)
    await ensure_topics(bootstrap, wanted)  # idempotent: existing topics are left alone
    await ensure_topics(bootstrap, PARTITIONS)
    counts = await _partition_counts(bootstrap)
    assert {name: counts[name] for name in wanted} == wanted
    assert {name: counts[name] for name in PARTITIONS} == PARTITIONS


@pytest.mark.kafka
def test_apache_listens_on_loopback_only(apache_broker: RunningBroker) -> None:
    _assert_loopback_only(apache_broker)


@pytest.mark.kafka
def test_stop_terminates_the_broker_and_removes_its_files(tmp_path: Path) -> None:
    _require_apache()
    with start_broker("apache", workdir=tmp_path, settings=_settings()) as broker:
        assert broker.is_running()
        assert broker.log_path.is_relative_to(tmp_path)
        run_dir = broker.run_dir
    assert not broker.is_running()
    assert broker.process.returncode is not None
    with pytest.raises(ProcessLookupError):
        os.kill(broker.pid, 0)
    assert not run_dir.exists()
    assert broker.stop() == broker.process.returncode  # a second stop() is a no-op


def test_properties_bind_and_advertise_loopback_only(tmp_path: Path) -> None:
    text = apache.render_properties(19092, 19093, tmp_path)
    props = dict(line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#"))
    endpoints = [
        *props["listeners"].split(","),
        *props["advertised.listeners"].split(","),
        props["controller.quorum.bootstrap.servers"],
    ]
    hosts = {endpoint.split("://")[-1].rsplit(":", 1)[0] for endpoint in endpoints}
    assert hosts == {LOOPBACK}
    assert {e.rsplit(":", 1)[1] for e in props["listeners"].split(",")} == {"19092", "19093"}
    assert props["process.roles"] == "broker,controller"
    for key in ("offsets.topic.replication.factor", "transaction.state.log.replication.factor"):
        assert props[key] == "1"


def test_cluster_ids_look_like_kafkas() -> None:
    ids = {apache.random_cluster_id() for _ in range(200)}
    assert len(ids) == 200
    assert all(len(i) == 22 and not i.startswith("-") for i in ids)


def test_tansu_environment_is_scrubbed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LISTENER_URL", "tcp://0.0.0.0:9092")
    monkeypatch.setenv("STORAGE_ENGINE", "s3://elsewhere/")
    plan = tansu.prepare(tmp_path, 19092)
    assert "LISTENER_URL" not in plan.env and "STORAGE_ENGINE" not in plan.env
    assert "tcp://127.0.0.1:19092" in plan.argv and plan.bootstrap_servers == "127.0.0.1:19092"


def test_auto_falls_back_to_tansu_without_java(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(java, "find_java", lambda: None)
    with caplog.at_level(logging.WARNING):
        assert choose_kind("auto", _settings()) == "tansu"
    assert "falling back to Tansu" in caplog.text


@pytest.mark.asyncio
async def test_tansu_fallback_round_trip(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING), start_broker("tansu", settings=_settings()) as broker:
        assert broker.kind == "tansu"
        _assert_loopback_only(broker)
        # Tansu joins take ceil(session/2) s (docs/kafka-notes.md §1.2): short timeouts keep this test fast.
        await _round_trip(broker.bootstrap_servers, session_timeout_ms=2000, heartbeat_ms=200)
    assert "MEMORY-ONLY" in caplog.text
    assert not broker.is_running()


@pytest.mark.kafka
@pytest.mark.asyncio
async def test_session_broker_serves_per_test_topics(kafka_bootstrap: str, unique: Callable[[str], str]) -> None:
    names = [unique("t.session"), unique("t.session")]
    assert len(set(names)) == 2
    await create_topics(kafka_bootstrap, names, partitions=2)
    counts = await _partition_counts(kafka_bootstrap)
    assert [counts[name] for name in names] == [2, 2]
