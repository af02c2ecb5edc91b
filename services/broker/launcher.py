"""One way in: start the project's broker (Apache Kafka, or Tansu as the fallback) and wait until it answers."""

from __future__ import annotations

import logging
import shutil
import socket
import tempfile
from collections.abc import Callable
from pathlib import Path

from services.broker import apache, tansu
from services.broker.assembly import KafkaInstall, assemble, find_install
from services.broker.java import JavaError, require_java
from services.broker.process import BrokerKind, LaunchPlan, RunningBroker, spawn
from services.broker.readiness import BrokerStartError, wait_until_ready
from services.broker.settings import BrokerChoice, BrokerSettings

Progress = Callable[[str], None]

PORT_ATTEMPTS = 3
"""A free port can be taken by someone else between our probe and the broker's bind; retry then."""

log = logging.getLogger(__name__)


def choose_kind(choice: BrokerChoice, settings: BrokerSettings) -> BrokerKind:
    """Resolve "auto": Apache Kafka when Java 17+ and Maven (or an assembled cache) exist, else Tansu."""
    if choice != "auto":
        return choice
    reason = apache_unavailable(settings)
    if reason is None:
        return "apache"
    log.warning("Apache Kafka cannot run here (%s); falling back to Tansu", reason)
    return "tansu"


def apache_unavailable(settings: BrokerSettings) -> str | None:
    """Why Apache Kafka cannot be started on this machine, or None if it can."""
    try:
        require_java()
    except JavaError as exc:
        return str(exc)
    if find_install(settings) is None and shutil.which("mvn") is None:
        return "Kafka is not assembled yet and `mvn` is not on PATH"
    return None


def start_broker(
    kind: BrokerChoice = "auto",
    *,
    port: int | None = None,
    workdir: Path | None = None,
    progress: Progress | None = None,
    settings: BrokerSettings | None = None,
) -> RunningBroker:
    """Start a broker on 127.0.0.1 and return once it answers Kafka admin requests.

    `port` fixes the client port (default: a free one). `workdir` is where the per-run temporary
    directory (config, data, broker.log) is made; it is deleted by stop(). Assembling Apache Kafka on
    first use is not counted in the start timeout.
    """
    settings = settings or BrokerSettings()
    chosen = choose_kind(kind, settings)
    say = progress or (lambda _message: None)
    if chosen == "tansu":
        log.warning(tansu.FALLBACK_WARNING)
        say(tansu.FALLBACK_WARNING)
    install = assemble(settings, progress) if chosen == "apache" else None
    java = require_java() if chosen == "apache" else ""
    for attempt in range(1, PORT_ATTEMPTS + 1):
        run_dir = Path(tempfile.mkdtemp(prefix=f"aml-{chosen}-", dir=workdir))
        try:
            plan = _plan(chosen, install, java, run_dir, port, say)
        except BaseException:
            shutil.rmtree(run_dir, ignore_errors=True)
            raise
        say(f"Starting {chosen} broker on {plan.bootstrap_servers}…")
        broker = spawn(plan)
        try:
            wait_until_ready(broker, settings.start_timeout_s)
        except BrokerStartError:
            raced = port is None and attempt < PORT_ATTEMPTS and "Address already in use" in broker.log_tail(200)
            # Keep the run dir of a real failure: the error message points at its broker.log.
            broker.stop(keep_files=not raced)
            if raced:
                log.warning("a port was taken while %s started; retrying on other ports", chosen)
                continue
            raise
        except BaseException:
            broker.stop()
            raise
        return broker
    raise AssertionError("unreachable: the last attempt returns or raises")


def _plan(
    kind: BrokerKind,
    install: KafkaInstall | None,
    java: str,
    run_dir: Path,
    port: int | None,
    say: Progress,
) -> LaunchPlan:
    if port is not None and not _bindable(port):
        # Kafka only finds out when it opens its client listener, ~10 s into a doomed start.
        raise BrokerStartError(f"127.0.0.1:{port} is already in use; pick another --port or omit it")
    ports = _free_ports(2 if port is None else 1)
    client_port = port if port is not None else ports.pop()
    if kind == "tansu" or install is None:
        return tansu.prepare(run_dir, client_port)
    say(f"Formatting KRaft storage for Apache Kafka {install.version}…")
    return apache.prepare(install, java, run_dir, client_port, ports.pop())


def resolve_bootstrap(
    kind: BrokerChoice | None = None,
    *,
    settings: BrokerSettings | None = None,
    progress: Progress | None = None,
) -> tuple[str, RunningBroker | None]:
    """KAFKA_BOOTSTRAP_SERVERS if set (handle None: not ours to stop), else a broker we start."""
    settings = settings or BrokerSettings()
    if settings.bootstrap_servers:
        return settings.bootstrap_servers, None
    broker = start_broker(kind or settings.kind, settings=settings, progress=progress)
    return broker.bootstrap_servers, broker


def _free_ports(count: int) -> list[int]:
    # Hold all sockets open together so the ports differ; the OS then hands them to the broker.
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
