"""Apache Kafka 4.x in KRaft mode: one process that is both broker and controller, on loopback only."""

from __future__ import annotations

import base64
import functools
import os
import signal
import subprocess
import uuid
from pathlib import Path

from services.broker.assembly import KafkaInstall
from services.broker.class_archive import ClassArchive
from services.broker.process import LaunchPlan, log_tail

HOST = "127.0.0.1"
HEAP = ("-Xms256m", "-Xmx768m")
"""Modest on purpose: the machine has 2 cores and 24 GiB shared with the tests and other services."""
JVM_FLAGS = (
    # The G1 settings of Kafka's own kafka-run-class.sh, so latency looks like a real deployment.
    "-XX:+UseG1GC",
    "-XX:MaxGCPauseMillis=20",
    "-XX:InitiatingHeapOccupancyPercent=35",
    "-XX:+ExplicitGCInvokesConcurrent",
    "-Djava.awt.headless=true",
)
FORMAT_TIMEOUT_S = 60.0

_LOG4J2 = """\
# The broker's own logging; stdout goes to broker.log in the run dir.
status = warn
appender.out.type = Console
appender.out.name = OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = OUT
# These three print hundreds of lines per start or per request and hide the lines that matter.
logger.config.name = org.apache.kafka.common.config.AbstractConfig
logger.config.level = WARN
logger.state.name = state.change.logger
logger.state.level = WARN
logger.request.name = kafka.request.logger
logger.request.level = WARN
"""


class FormatError(RuntimeError):
    """kafka-storage format failed."""


def random_cluster_id() -> str:
    """A Kafka cluster id: 16 random bytes, URL-safe base64 without padding (what `random-uuid` prints)."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode("ascii")
        # Kafka's Uuid.randomUuid() rejects ids starting with "-" because CLIs would read them as flags.
        if not text.startswith("-"):
            return text


def render_properties(port: int, controller_port: int, data_dir: Path) -> str:
    """server.properties for a single-node KRaft cluster that binds and advertises 127.0.0.1 only."""
    settings: dict[str, str | int] = {
        "process.roles": "broker,controller",
        "node.id": 1,
        # Dynamic quorum (KIP-853): with `format --standalone` no static voter list is needed.
        "controller.quorum.bootstrap.servers": f"{HOST}:{controller_port}",
        "listeners": f"PLAINTEXT://{HOST}:{port},CONTROLLER://{HOST}:{controller_port}",
        "advertised.listeners": f"PLAINTEXT://{HOST}:{port},CONTROLLER://{HOST}:{controller_port}",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "log.dirs": str(data_dir),
        "num.partitions": 4,
        "default.replication.factor": 1,
        "min.insync.replicas": 1,
        # Internal topics default to RF 3 and would never become available on one node.
        "offsets.topic.replication.factor": 1,
        "transaction.state.log.replication.factor": 1,
        "transaction.state.log.min.isr": 1,
        "share.coordinator.state.topic.replication.factor": 1,
        "share.coordinator.state.topic.min.isr": 1,
        # 50 partitions each (the default) make the first group join create 50 logs; 8 is plenty here.
        "offsets.topic.num.partitions": 8,
        "transaction.state.log.num.partitions": 8,
        "share.coordinator.state.topic.num.partitions": 8,
        # Tests start consumers one by one; the 3 s default delay would be paid by every group.
        "group.initial.rebalance.delay.ms": 0,
        # The 6 s default minimum rejects the short session timeouts tests use for fast rebalances.
        "group.min.session.timeout.ms": 1000,
        # 2 cores: Kafka's defaults (3 network, 8 I/O threads) only add contention.
        "num.network.threads": 2,
        "num.io.threads": 4,
        # The cleaner preallocates this on the heap; 128 MiB by default is a third of our heap.
        "log.cleaner.dedupe.buffer.size": 16 * 1024 * 1024,
        "log.segment.bytes": 16 * 1024 * 1024,
        "log.retention.hours": 24,
    }
    return "".join(f"{key}={value}\n" for key, value in settings.items())


def prepare(install: KafkaInstall, java: str, run_dir: Path, port: int, controller_port: int) -> LaunchPlan:
    """Write the config, format the storage with a fresh cluster id, and return how to launch."""
    data_dir = run_dir / "data"
    data_dir.mkdir()
    properties = run_dir / "server.properties"
    properties.write_text(render_properties(port, controller_port, data_dir), encoding="utf-8")
    log4j = run_dir / "log4j2.properties"
    log4j.write_text(_LOG4J2, encoding="utf-8")
    log_path = run_dir / "broker.log"
    archive = ClassArchive.for_install(install, java)
    shared = archive.use_flags()
    dump_to = None if shared else archive.dump_target()
    dump = [f"-XX:ArchiveClassesAtExit={dump_to}"] if dump_to else []
    logging_flags = [f"-Dlog4j2.configurationFile={log4j}", f"-Dkafka.logs.dir={run_dir}"]
    _format([java, *shared, *logging_flags], install, properties, log_path)
    return LaunchPlan(
        kind="apache",
        argv=[
            java,
            *HEAP,
            *JVM_FLAGS,
            *shared,
            *dump,
            *logging_flags,
            "-cp",
            install.classpath,
            "kafka.Kafka",
            str(properties),
        ],
        env=dict(os.environ),
        run_dir=run_dir,
        log_path=log_path,
        bootstrap_servers=f"{HOST}:{port}",
        # Kafka's shutdown hook runs a controlled shutdown on SIGTERM (0.4-1.5 s measured for one node).
        stop_signal=signal.SIGTERM,
        on_exit=functools.partial(archive.adopt, dump_to) if dump_to else None,
    )


def _format(java: list[str], install: KafkaInstall, properties: Path, log_path: Path) -> None:
    # kafka-storage.sh is a wrapper around this class; --standalone makes this node the sole voter.
    command = [
        *java,
        # A short-lived tool: the C1-only JIT and a small serial heap start ~20 % faster on 2 cores (measured).
        "-Xmx256m",
        "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1",
        "-cp",
        install.classpath,
        "kafka.tools.StorageTool",
        "format",
        "--standalone",
        "--cluster-id",
        random_cluster_id(),
        "--config",
        str(properties),
    ]
    with log_path.open("ab") as log:
        log.write(b"### kafka-storage format\n")
        log.flush()
        try:
            done = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, timeout=FORMAT_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired as exc:
            raise FormatError(f"kafka-storage format took over {FORMAT_TIMEOUT_S:.0f} s") from exc
        log.write(b"### kafka.Kafka\n")
    if done.returncode != 0:
        raise FormatError(f"kafka-storage format exited {done.returncode}:\n{log_tail(log_path)}")
