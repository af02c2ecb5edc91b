"""Run the whole pipeline and feed it: broker → ingest → screener → ledger, watched from outside.

The demo talks to the services only as an exchange and an observer would: it POSTs transfers
to the ingest API, reads `aml.decisions.v1` and the dead-letter topic, and asks the ledger API
for its states. Every service is a real `aml <service> run` process.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer
from pydantic import ValidationError

from schemas import Decision, topics
from services.auth.cli import opened_store
from services.auth.domain.principal import Role
from services.auth.settings import AuthSettings
from services.broker import ensure_topics, start_broker
from services.demo.follow_up import pays_again
from services.demo.processes import ServiceProcess, pipeline
from services.demo.tally import Tally
from services.demo.triage import Officer, triage
from services.demo.workload import EXCHANGES, PlannedTransfer, generate, lead_time
from services.screener.adapters.lists import excerpt_snapshot
from services.screener.domain.watchlist import ListedWallet, listed_wallets
from services.watchlists.adapters.changelog import publish, read_state

BATCH = 100
MAX_LEAD = timedelta(days=1)


@dataclass(frozen=True)
class DemoConfig:
    transfers: int | None
    """None: stream until interrupted."""
    rate: float = 400.0
    seed: int = 7
    listed_share: float = 0.03
    workdir: Path | None = None
    """Where logs and SQLite files go; None: the embedded default data directory, `DATA_DIR`."""
    settle_timeout: float = 180.0
    triage: bool = True
    """With a fixed number of transfers: work cases through the case desk's API once all are decided."""


DATA_DIR = Path("aml-data")
"""The embedded default data directory: the case desk's and auth's default SQLite files are here, so
`aml audit verify` (and the exports) find what the last demo left with no options."""
_DEMO_FILES = ("ingest", "ledger", "casedesk", "auth", "screener")



Report = Callable[[str], None]


@contextlib.contextmanager
def _broker(report: Report) -> Iterator[str]:
    external = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if external:
        report(f"using the Kafka cluster at {external}")
        yield external
        return
    with start_broker(progress=report) as broker:
        report(f"{broker.kind} broker ready at {broker.bootstrap_servers}")
        yield broker.bootstrap_servers


@contextlib.asynccontextmanager
async def running_pipeline(workdir: Path, bootstrap: str) -> AsyncIterator[dict[str, ServiceProcess]]:
    procs = pipeline(workdir, bootstrap)
    try:
        for proc in procs.values():
            proc.start()
        for proc in procs.values():
            await asyncio.to_thread(proc.wait_healthy)
        yield procs
    finally:
        for proc in procs.values():
            proc.stop()


async def _observe(bootstrap: str, tally: Tally, stop: asyncio.Event) -> None:
    consumer = AIOKafkaConsumer(
        topics.DECISIONS,
        topics.TRANSFERS_DLQ,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        while not stop.is_set():
            batches = await consumer.getmany(timeout_ms=200, max_records=2000)
            now = time.monotonic()
            for partition, records in batches.items():
                for record in records:
                    if partition.topic == topics.TRANSFERS_DLQ:
                        tally.dead_letters += 1
                        continue
                    with contextlib.suppress(ValidationError):
                        tally.decided(Decision.model_validate_json(record.value or b""), now)
    finally:
        await consumer.stop()


async def _submit(
    client: httpx.AsyncClient, url: str, keys: dict[str, str], batch: list[PlannedTransfer], tally: Tally
) -> None:
    exchange = batch[0].event.exchange_id
    body = "[" + ",".join(p.event.model_dump_json() for p in batch) + "]"
    now = time.monotonic()
    for planned in batch:
        tally.submitted(planned.event.transfer_id, now, planned.listed, planned.expect)
    response = await client.post(
        url, content=body, headers={"X-API-Key": keys[exchange], "content-type": "application/json"}
    )
    if response.status_code != 202:
        raise RuntimeError(f"ingest refused a batch: {response.status_code} {response.text[:500]}")


def demo_wallets() -> list[ListedWallet]:
    """The listed wallets of the packaged OFAC excerpt, which the workload sends a share of transfers to."""
    return listed_wallets(excerpt_snapshot().entries)


async def _feed(cfg: DemoConfig, ingest: str, keys: dict[str, str], tally: Tally, stop: asyncio.Event) -> None:
    listed = demo_wallets()
    run_tag = "demo-" + secrets.token_hex(3)
    by_exchange: dict[str, list[PlannedTransfer]] = {}
    started = time.monotonic()
    sent = 0
    async with httpx.AsyncClient(timeout=30) as client:

        async def submit(batch: list[PlannedTransfer]) -> None:
            nonlocal sent
            await _submit(client, f"{ingest}/v1/transfers", keys, batch, tally)
            sent += len(batch)
            batch.clear()

        count = cfg.transfers if cfg.transfers is not None else 10**9
        # The workload's event time runs ~80 times faster than the feed at the default rate, and ingest
        # refuses transfers dated ahead of its clock: start far enough back that the whole run stays in
        # the past (at most a day back; a longer stream then follows the wall clock).
        lead = min(lead_time(count), MAX_LEAD)
        for planned in generate(
            count,
            listed,
            seed=cfg.seed,
            listed_share=cfg.listed_share,
            start=datetime.now(UTC) - lead,
            run_tag=run_tag,
            not_after=lambda: datetime.now(UTC),
        ):
            if stop.is_set():
                break
            if planned.scenario is not None:
                # Everything generated before a scenario leg is accepted (on the broker) before the leg
                # is sent, so the screener has the leg's history when it screens it, whatever the
                # partitions and the per-exchange batching would otherwise do to the order.
                for pending in by_exchange.values():
                    if pending:
                        await submit(pending)
                await submit([planned])
                continue
            pending = by_exchange.setdefault(planned.event.exchange_id, [])
            pending.append(planned)
            if len(pending) >= BATCH:
                await submit(pending)
                # Pace to the configured rate so latency reflects a stream, not a backlog.
                ahead = sent / cfg.rate - (time.monotonic() - started)
                if ahead > 0:
                    await asyncio.sleep(ahead)
        for pending in by_exchange.values():
            if pending:
                await submit(pending)


async def _publish_demo_lists(bootstrap: str, report: Report) -> None:
    """Give the screeners the packaged OFAC excerpt, unless the cluster already has lists."""
    state = await read_state(bootstrap, topics.WATCHLISTS)
    if state.commit is not None:
        report(f"screening against the watchlist version already published: {state.commit.version}")
        return
    commit, _ = await publish(bootstrap, topics.WATCHLISTS, excerpt_snapshot())
    if commit is not None:
        report(f"published the demo OFAC excerpt as watchlist {commit.version} ({commit.entries} entries)")


async def ledger_summary(ledger: str, key: str) -> dict[str, Any]:
    """The ledger's summary, read with the demo observer's (a regulator's) API key."""
    async with httpx.AsyncClient(timeout=10, headers={"X-API-Key": key}) as client:
        response = await client.get(f"{ledger}/v1/summary")
        response.raise_for_status()
        data: dict[str, Any] = response.json()
        return data


def _ledger_counts(summary: dict[str, Any]) -> dict[str, int]:
    states = summary.get("states", summary)
    return {k: int(states.get(k, 0)) for k in ("settled", "escrowed", "pending", "returned", "frozen")}


def _fresh_data_dir(workdir: Path) -> None:
    """A demo starts from empty databases (its broker is new too); only the demo's own files are removed."""
    workdir.mkdir(parents=True, exist_ok=True)
    for name in _DEMO_FILES:
        for suffix in (".db", ".db-wal", ".db-shm", ".log"):
            (workdir / f"{name}{suffix}").unlink(missing_ok=True)


async def _people(workdir: Path) -> tuple[dict[str, Officer], dict[str, str], str]:
    """An analyst, a senior and a regulator with fresh passwords, and an API key per demo exchange, in the
    demo's auth database (what `aml users add` and `aml keys create` make), and a regulator's key with which
    the demo reads the ledger."""
    officers = {role: Officer(role, role, secrets.token_urlsafe(12)) for role in ("analyst", "senior", "regulator")}
    now = datetime.now(UTC)
    async with opened_store(AuthSettings(database_url=f"sqlite+aiosqlite:///{workdir / 'auth.db'}")) as store:
        for officer in officers.values():
            await store.add_user(officer.name, officer.password, Role(officer.role), None, now)
        keys = {x: await store.create_key(f"demo {x}", Role.EXCHANGE, x, now) for x in EXCHANGES}
        observer = await store.create_key("demo observer", Role.REGULATOR, None, now)
    return officers, keys, observer


async def run_demo(cfg: DemoConfig, report: Report, on_tick: Callable[[Tally, dict[str, int]], None]) -> dict[str, Any]:
    workdir = cfg.workdir or DATA_DIR
    _fresh_data_dir(workdir)
    tally = Tally()
    officers, keys, reader = await _people(workdir)
    with _broker(report) as bootstrap:
        await ensure_topics(bootstrap, topics.PARTITIONS)
        await _publish_demo_lists(bootstrap, report)
        report(f"starting ingest, screener, ledger and case desk (logs and SQLite files in {workdir.resolve()})")
        async with running_pipeline(workdir, bootstrap) as procs:
            desk = procs["casedesk"].health_url.removesuffix("/healthz")  # type: ignore[union-attr]
            logins = ", ".join(f"{o.name} / {o.password}" for o in officers.values())
            report(f"case desk at {desk}/ - log in as (user / password): {logins}")
            ingest = procs["ingest"].health_url.removesuffix("/healthz")  # type: ignore[union-attr]
            ledger = procs["ledger"].health_url.removesuffix("/healthz")  # type: ignore[union-attr]
            stop_feed, stop_observe = asyncio.Event(), asyncio.Event()
            observer = asyncio.create_task(_observe(bootstrap, tally, stop_observe))
            feeder = asyncio.create_task(_feed(cfg, ingest, keys, tally, stop_feed))
            started = time.monotonic()
            # Ctrl-C stops the feed only; what was sent is still settled and reported.
            loop = asyncio.get_running_loop()
            loop.add_signal_handler(signal.SIGINT, stop_feed.set)
            try:
                while not feeder.done():
                    on_tick(tally, _ledger_counts(await ledger_summary(ledger, reader)))
                    await asyncio.sleep(0.5)
                await feeder
            finally:
                loop.remove_signal_handler(signal.SIGINT)
            report(f"submitted {len(tally.submitted_at)} transfers; waiting for every decision and the ledger")
            ledger_counts = await _settle(cfg, tally, ledger, reader, on_tick)
            report(f"{len(tally.decisions)} decided, ledger {ledger_counts}")
            stop_observe.set()
            await observer
            summary = tally.summary(ledger_counts)
            if cfg.transfers is not None and cfg.triage:
                summary["ledger_before_triage"] = ledger_counts
                summary["casedesk"], summary["ledger"] = await _work_cases(
                    desk, officers, ledger, reader, report, follow=(bootstrap, ingest, keys)
                )
            summary["casedesk_url"] = desk
            summary["data_dir"] = str(workdir.resolve())
            summary["elapsed_s"] = round(time.monotonic() - started, 2)
            summary["peak_rss_mb"] = {name: proc.peak_rss_mb() for name, proc in procs.items()}
            for name, proc in procs.items():
                if not proc.alive():
                    summary.setdefault("crashed", []).append(name)
            return summary


async def _settle(
    cfg: DemoConfig, tally: Tally, ledger: str, reader: str, on_tick: Callable[[Tally, dict[str, int]], None]
) -> dict[str, int]:
    """Wait until every transfer is decided and the ledger has applied every decision."""
    deadline = time.monotonic() + cfg.settle_timeout
    counts: dict[str, int] = {}
    while time.monotonic() < deadline:
        counts = _ledger_counts(await ledger_summary(ledger, reader))
        on_tick(tally, counts)
        applied = counts["settled"] + counts["escrowed"] + counts["returned"] + counts["frozen"]
        if tally.pending == 0 and applied >= len(tally.submitted_at) and counts["pending"] == 0:
            break
        await asyncio.sleep(0.3)
    return counts


async def _work_cases(
    desk: str,
    officers: dict[str, Officer],
    ledger: str,
    reader: str,
    report: Report,
    follow: tuple[str, str, dict[str, str]],
) -> tuple[dict[str, Any], dict[str, int]]:
    """The scripted triage, then the case desk's figures and the ledger once it has applied the outcomes."""
    before = _ledger_counts(await ledger_summary(ledger, reader))
    done = await triage(desk, officers["analyst"], officers["senior"])
    for problem in done.refused:
        report(f"triage: {problem}")
    expected_returned = before["returned"] + done.resolutions["reject"]
    expected_frozen = before["frozen"] + done.resolutions["freeze"]
    counts = before
    for _ in range(100):  # the resolutions travel through Kafka to the ledger
        counts = _ledger_counts(await ledger_summary(ledger, reader))
        if counts["returned"] >= expected_returned and counts["frozen"] >= expected_frozen:
            break
        await asyncio.sleep(0.2)
    async with httpx.AsyncClient(base_url=desk, timeout=10) as client:
        await client.post(
            "/login",
            data={"username": officers["senior"].name, "password": officers["senior"].password},
            headers={"Accept": "application/json"},
        )
        cleared = next((c["case_id"] for c in done.cases if c["action"] == "close_false_positive"), None)
        again = await pays_again(client, cleared, *follow[1:], follow[0]) if cleared else {"suppressed": 0}
        every = (await client.get("/v1/cases", params={"status": "all", "limit": 1})).json()["total"]
        still_open = (await client.get("/v1/cases", params={"status": "open", "limit": 1})).json()["total"]
    figures = {
        "cases": every,
        "open": still_open,
        "resolutions": {k: done.resolutions[k] for k in ("release", "reject", "freeze", "false_positive", "str")},
        "suppressed": again["suppressed"],
        "paid_again": again,
        "worked": done.cases,
        "not_done": done.refused,
    }
    report(f"case desk: {every} cases, {still_open} open; triage {dict(done.resolutions)}; ledger {counts}")
    return figures, counts
