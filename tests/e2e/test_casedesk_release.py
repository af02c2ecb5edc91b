"""Held funds leave escrow: a transfer to a listed wallet is held by the screener, becomes a case in the case
desk, is released by an analyst and a senior (four eyes) over the officers' API, and the ledger settles it.
A second held transfer is rejected by one officer and returned. Real broker, real processes."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.broker import ensure_topics
from services.demo.processes import ServiceProcess, free_port
from tests.e2e.support import LISTED, publish_lists, screener_process
from tests.e2e.test_hostile_records import good, ledger_process, states
from tests.streams import Topics, fresh_topics, produce

pytestmark = [pytest.mark.kafka, pytest.mark.slow, pytest.mark.asyncio]
PASSWORD = "correct horse battery"


def casedesk_process(tmp: Path, bootstrap: str, names: Topics, auth_url: str) -> ServiceProcess:
    port = free_port()
    return ServiceProcess(
        "casedesk",
        {
            "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            "CASEDESK_TRANSFERS_TOPIC": names.transfers,
            "CASEDESK_DECISIONS_TOPIC": names.decisions,
            "CASEDESK_ALERTS_TOPIC": f"t.alerts.{names.suffix}",
            "CASEDESK_KAFKA_GROUP_ID": f"casedesk-{names.suffix}",
            "CASEDESK_DATABASE_URL": f"sqlite+aiosqlite:///{tmp / 'casedesk.db'}",
            "CASEDESK_HTTP_PORT": str(port),
            "AUTH_DATABASE_URL": auth_url,
            "AUTH_COOKIE_SECURE": "false",
        },
        tmp / "casedesk.log",
        f"http://127.0.0.1:{port}/healthz",
    )


def add_user(auth_url: str, name: str, role: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "services.cli", "users", "add", name, "--role", role, "--password-stdin"],
        input=PASSWORD + "\n",
        text=True,
        check=True,
        capture_output=True,
        env={"AUTH_DATABASE_URL": auth_url, "PATH": "/usr/bin:/bin"},
    )


async def login(client: httpx.AsyncClient, name: str) -> str:
    client.cookies.clear()
    answer = await client.post(
        "/login", data={"username": name, "password": PASSWORD}, headers={"Accept": "application/json"}
    )
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["csrf_token"]
    return token


async def case_of(client: httpx.AsyncClient, transfer_id: str, within: float = 60) -> dict[str, Any]:
    for _ in range(int(within / 0.5)):
        found = (await client.get("/v1/cases", params={"q": transfer_id})).json()["cases"]
        if found:
            return dict(found[0])
        await asyncio.sleep(0.5)
    raise AssertionError(f"no case for {transfer_id} within {within} s")


async def test_a_held_transfer_is_released_with_four_eyes_and_settles(kafka_bootstrap: str, tmp_path: Path) -> None:
    names = await fresh_topics(kafka_bootstrap)
    await ensure_topics(kafka_bootstrap, {f"t.alerts.{names.suffix}": 1})
    await publish_lists(kafka_bootstrap, names)
    auth_url = f"sqlite+aiosqlite:///{tmp_path / 'auth.db'}"
    add_user(auth_url, "amina", "analyst")
    add_user(auth_url, "bilal", "senior")
    ledger = ledger_process(tmp_path, kafka_bootstrap, names, f"sqlite+aiosqlite:///{tmp_path / 'ledger.db'}")
    screener = screener_process(tmp_path, kafka_bootstrap, names, f"screener-{names.suffix}", 1)
    desk = casedesk_process(tmp_path, kafka_bootstrap, names, auth_url)
    processes = [ledger, screener, desk]
    for process in processes:
        process.start()
    try:
        await asyncio.to_thread(ledger.wait_healthy)
        await asyncio.to_thread(desk.wait_healthy)
        now = datetime.now(UTC)
        await produce(
            kafka_bootstrap,
            names.transfers,
            [
                good(
                    "exA:release-me",
                    "exA",
                    now - timedelta(minutes=5),
                    "acct-1",
                    "ext-1",
                    wallet_address=LISTED[0],
                    hosted=False,
                ),
                good(
                    "exA:return-me",
                    "exA",
                    now - timedelta(minutes=4),
                    "acct-2",
                    "ext-2",
                    wallet_address=LISTED[1],
                    hosted=False,
                ),
            ],
        )
        held = {"exA:release-me": "escrowed", "exA:return-me": "escrowed"}
        assert await states(ledger, list(held), held) == held
        base = desk.health_url.removesuffix("/healthz")  # type: ignore[union-attr]
        async with httpx.AsyncClient(base_url=base) as client:
            csrf = await login(client, "amina")
            release = await case_of(client, "exA:release-me")
            assert release["priority"] == 1 and release["exchange_id"] == "exA"
            answer = await client.post(
                f"/v1/cases/{release['case_id']}/actions",
                json={"action": "release", "note": "our own cold wallet"},
                headers={"X-CSRF-Token": csrf},
            )
            assert answer.json()["case"]["status"] == "awaiting_approval"
            reject = await case_of(client, "exA:return-me")
            answer = await client.post(
                f"/v1/cases/{reject['case_id']}/actions", json={"action": "reject"}, headers={"X-CSRF-Token": csrf}
            )
            assert answer.status_code == 200 and answer.json()["case"]["outcome"] == "rejected"
            # Still escrowed: the proposal alone moves nothing.
            assert (await states(ledger, ["exA:release-me"], {"exA:release-me": "escrowed"}, within=2)) == {
                "exA:release-me": "escrowed"
            }
            csrf = await login(client, "bilal")
            answer = await client.post(
                f"/v1/cases/{release['case_id']}/actions", json={"action": "approve"}, headers={"X-CSRF-Token": csrf}
            )
            assert answer.status_code == 200 and answer.json()["case"]["outcome"] == "released"
        want = {"exA:release-me": "settled", "exA:return-me": "returned"}
        assert await states(ledger, list(want), want) == want
        check = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "services.cli", "audit", "verify"],
            capture_output=True,
            text=True,
            env={"CASEDESK_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'casedesk.db'}", "PATH": "/usr/bin:/bin"},
        )
        assert check.returncode == 0 and "audit chain intact" in check.stdout, check.stdout + check.stderr
    finally:
        for process in processes:
            process.stop()
