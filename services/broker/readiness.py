"""Readiness: the broker counts as up once a Kafka admin client gets a metadata answer naming a broker.

A TCP connect alone proves little (whatever holds the port accepts it, even a dying JVM's backlog); a
metadata answer proves the Kafka protocol is being served, the same way for Apache Kafka and Tansu.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from aiokafka.admin import AIOKafkaAdminClient

from services.broker.process import RunningBroker

T = TypeVar("T")

ATTEMPT_TIMEOUT_S = 10.0
"""One admin round trip; generous because a JVM warming up on 2 busy cores can be slow to answer."""
POLL_INTERVAL_S = 0.1


class BrokerStartError(RuntimeError):
    """The broker died or did not answer in time. The message carries the tail of its log."""


def wait_until_ready(broker: RunningBroker, timeout: float) -> None:
    """Block until `broker` answers, or raise BrokerStartError. Safe to call with an event loop running."""
    probe = _Probe(broker, time.monotonic() + timeout)
    if run_in_own_loop(probe.poll):
        return
    code = broker.process.poll()
    what = f"exited with code {code}" if code is not None else f"did not answer within {timeout:.0f} s"
    raise BrokerStartError(
        f"{broker.kind} broker (pid {broker.pid}) {what}; last probe: {probe.last_error}; "
        f"log {broker.log_path}, last lines:\n{broker.log_tail()}"
    )


def run_in_own_loop(make: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine to completion in a fresh event loop on a helper thread.

    Callers may be plain sync code, or a sync pytest fixture while pytest-asyncio's loop is running on
    this thread, where asyncio.run() would refuse to start.
    """
    outcome: list[T] = []
    failure: list[BaseException] = []

    async def main() -> T:
        return await make()

    def target() -> None:
        try:
            outcome.append(asyncio.run(main()))
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=target, name="broker-readiness", daemon=True)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return outcome[0]


class _Probe:
    def __init__(self, broker: RunningBroker, deadline: float) -> None:
        self.broker = broker
        self.deadline = deadline
        self.last_error = "none yet"

    async def poll(self) -> bool:
        while time.monotonic() < self.deadline:
            if not self.broker.is_running():
                return False
            remaining = self.deadline - time.monotonic()
            attempt = asyncio.ensure_future(self._answers(min(ATTEMPT_TIMEOUT_S, remaining)))
            # Race each attempt against the process dying, so a crash is reported at once, not at timeout.
            while not attempt.done():
                await asyncio.wait({attempt}, timeout=POLL_INTERVAL_S)
                if not attempt.done() and not self.broker.is_running():
                    attempt.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await attempt
                    return False
            if attempt.result():
                return True
            await asyncio.sleep(POLL_INTERVAL_S)
        return False

    async def _answers(self, budget_s: float) -> bool:
        bootstrap = self.broker.bootstrap_servers
        host, port = bootstrap.rsplit(":", 1)
        # A bare connect first: aiokafka logs an ERROR for every refused connection, which would flood
        # the output while the JVM is still starting.
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(host, int(port)), timeout=1.0)
        except (OSError, TimeoutError) as exc:
            self.last_error = f"TCP connect: {exc!r}"
            return False
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=int(budget_s * 1000))
        try:
            async with asyncio.timeout(budget_s):
                await admin.start()
                await admin.list_topics()
                cluster = await admin.describe_cluster()
        # Anything may go wrong while a broker boots; keep polling, but remember it for the error message.
        except Exception as exc:
            self.last_error = f"admin client: {exc!r}"
            return False
        finally:
            with contextlib.suppress(Exception):
                await admin.close()
        if not cluster.get("brokers"):
            self.last_error = "metadata names no broker yet"
            return False
        return True
