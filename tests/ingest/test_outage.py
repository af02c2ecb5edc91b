"""Ingest while its broker is down: quick 503s, no queueing behind a stuck request, an honest /healthz,
a bounded log, and normal service once the broker is back.

The session's broker is shared and must not be stopped, so this test starts a private one (same
launcher, its own ports and run dir under tmp_path), stops it keeping its data, and starts it again
on the same ports and data directory.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from schemas import TransferEvent
from services.broker import BrokerSettings, RunningBroker, ensure_topics, start_broker
from services.broker.process import LaunchPlan, spawn
from services.broker.readiness import wait_until_ready
from services.ingest.bootstrap import build_app
from services.ingest.settings import Settings
from services.log_limits import install_repeat_limit, uninstall_repeat_limit
from tests.factories import transfer
from tests.ingest.keys import exchange_keys
from tests.streams import consume_until, fresh_topics

pytestmark = [pytest.mark.kafka, pytest.mark.asyncio]

TIMEOUT_S = 3.0
"""Publish timeout. Above 2 s on purpose: two requests served one after the other then take at least
2 x 3 = 6 s, more than the 3 + 2 = 5 s both must answer within."""
BOUND_S = TIMEOUT_S + 2
LOG_INTERVAL_S = 2.0
KEY: dict[str, str] = {}  # a real key, made by the test in its auth database


class PrivateBroker:
    """A broker of this test alone, which can be stopped and started again on the same ports and data."""

    def __init__(self, workdir: Path) -> None:
        self.settings = BrokerSettings()
        self.current: RunningBroker = start_broker(self.settings.kind, workdir=workdir, settings=self.settings)

    @property
    def bootstrap(self) -> str:
        return self.current.bootstrap_servers

    def stop(self) -> None:
        self.current.stop(keep_files=True)  # the data dir is what the restart comes back to

    def restart(self) -> None:
        old = self.current
        # The same command line: same config file, ports and log dirs. Apache Kafka keeps its topics in
        # the data dir; Tansu keeps them in memory, so the test creates its topics again either way.
        args = old.process.args
        assert isinstance(args, list), args  # spawn() passes the plan's argv as a list
        argv = [str(a) for a in args if not str(a).startswith("-XX:ArchiveClassesAtExit=")]
        plan = LaunchPlan(
            kind=old.kind,
            argv=argv,
            env=dict(os.environ),
            run_dir=old.run_dir,
            log_path=old.log_path,
            bootstrap_servers=old.bootstrap_servers,
            stop_signal=old.stop_signal,
        )
        self.current = spawn(plan)
        wait_until_ready(self.current, self.settings.start_timeout_s)

    def close(self) -> None:
        self.current.stop()


@pytest.fixture
def private_broker(tmp_path: Path) -> Iterator[PrivateBroker]:
    broker = PrivateBroker(tmp_path)
    try:
        yield broker
    finally:
        broker.close()


async def _timed_post(client: httpx.AsyncClient, event: TransferEvent) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    answer = await client.post("/v1/transfers", content=event.model_dump_json(), headers=KEY)
    return answer, time.monotonic() - started


async def test_a_broker_outage_is_answered_quickly_and_service_resumes_after_it(
    private_broker: PrivateBroker, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bootstrap = private_broker.bootstrap
    names = await fresh_topics(bootstrap)
    settings = Settings(
        kafka_bootstrap_servers=bootstrap,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'ingest.db'}",
        transfers_topic=names.transfers,
        dlq_topic=names.dlq,
        publish_timeout_s=TIMEOUT_S,
    )
    # What `serve` installs at process start, with a short interval so the test sees it at work.
    uninstall_repeat_limit("aiokafka")
    limit = install_repeat_limit("aiokafka", interval_s=LOG_INTERVAL_S)
    auth, keys = await exchange_keys(tmp_path, ["rupee-vx"])
    KEY["X-API-Key"] = keys["rupee-vx"]
    app = build_app(settings, auth)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://ingest", timeout=60) as client:
                before, _ = await _timed_post(client, transfer(transfer_id="rupee-vx:before"))
                assert before.status_code == 202
                assert (await client.get("/healthz")).status_code == 200

                await asyncio.to_thread(private_broker.stop)
                caplog.clear()
                outage_started = time.monotonic()
                with caplog.at_level(logging.WARNING, logger="aiokafka"):
                    # No publish has failed yet: the probe alone finds the broker gone, within its bound.
                    started = time.monotonic()
                    probed = await client.get("/healthz")
                    assert time.monotonic() - started < 1.5
                    assert probed.status_code == 503, probed.text
                    assert probed.json()["status"] == "degraded" and "unreachable" in probed.json()["reason"]

                    stuck = transfer(transfer_id="rupee-vx:during-1")
                    other = transfer(transfer_id="rupee-vx:during-2")
                    (first, first_s), (second, second_s) = await asyncio.gather(
                        _timed_post(client, stuck), _timed_post(client, other)
                    )
                    for answer, took in ((first, first_s), (second, second_s)):
                        assert answer.status_code == 503, answer.text
                        # Both within the bound: neither waited for the other (one global lock would
                        # have served them one after the other).
                        assert took <= BOUND_S, (first_s, second_s)
                        assert answer.headers["Retry-After"] == str(math.ceil(TIMEOUT_S))
                        detail = answer.json()["detail"]
                        assert "broker cannot take the write" in detail["message"]
                        assert "nothing was accepted" in detail["message"]

                    health = await client.get("/healthz")
                    assert health.status_code == 503
                    assert health.json()["reason"].startswith("the last publish failed")
                    await asyncio.sleep(LOG_INTERVAL_S)  # long enough for a window to close
                    await client.get("/healthz")  # more reconnect attempts, some let through now
                outage_s = time.monotonic() - outage_started
                kafka_lines = [r for r in caplog.records if r.name.startswith("aiokafka")]

                await asyncio.to_thread(private_broker.restart)
                await ensure_topics(bootstrap, {names.transfers: 4, names.dlq: 1})
                deadline = time.monotonic() + 30
                again, _ = await _timed_post(client, stuck)
                while again.status_code == 503 and time.monotonic() < deadline:
                    await asyncio.sleep(0.5)  # the producer reconnects on its own; the exchange retries
                    again, _ = await _timed_post(client, stuck)
                assert again.status_code == 202, again.text
                # Nothing of the refused submission was recorded as accepted: this is no replay.
                assert again.headers["X-Idempotent-Replays"] == "0"
                healthy = await client.get("/healthz")
                assert (healthy.status_code, healthy.json()) == (200, {"status": "ok"})
    finally:
        uninstall_repeat_limit("aiokafka")

    records = await consume_until(bootstrap, names.transfers, lambda r: any(b"during-1" in x.value for x in r))
    assert "rupee-vx:during-1" in {TransferEvent.model_validate_json(r.value).transfer_id for r in records}

    # The log stayed readable: per (logger, template) at most one line per interval, plus one summary
    # line per interval saying how many were held back; and there was a flood to hold back.
    per_template = Counter((r.name, str(r.msg)) for r in kafka_lines if "were held back" not in str(r.msg))
    allowed = math.ceil(outage_s / LOG_INTERVAL_S) + 1
    assert per_template and max(per_template.values()) <= allowed, (per_template, outage_s)
    assert len(kafka_lines) <= 2 * allowed * len(per_template)
    assert limit.limiter.held_back_total > len(kafka_lines), limit.limiter.held_back_total
