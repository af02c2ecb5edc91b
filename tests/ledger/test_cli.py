"""`aml ledger run` as a real process: it serves, consumes, and stops cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from services.ledger.cli import ledger_app
from tests.ledger.kafka_io import create_topics, eventually, produce, transfer_record
from tests.support.auth import auth_settings, machine_key

LAUNCH = "from services.ledger.cli import ledger_app; ledger_app()"


def test_run_command_is_listed() -> None:
    result = CliRunner().invoke(ledger_app, ["--help"])
    assert result.exit_code == 0
    assert "run" in result.output


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.mark.kafka
@pytest.mark.asyncio
async def test_process_serves_consumes_and_stops_on_sigterm(kafka_bootstrap: str, tmp_path: Path) -> None:
    topics = await create_topics(kafka_bootstrap)
    port = _free_port()
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "LEDGER_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'ledger.db'}",
        "LEDGER_TRANSFERS_TOPIC": topics.transfers,
        "LEDGER_DECISIONS_TOPIC": topics.decisions,
        "LEDGER_KAFKA_GROUP_ID": f"ledger-cli-{port}",
        "LEDGER_HTTP_PORT": str(port),
        "LEDGER_KAFKA_SESSION_TIMEOUT_MS": "6000",
        "LEDGER_KAFKA_HEARTBEAT_INTERVAL_MS": "500",
        "AUTH_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'auth.db'}",
    }
    key = await machine_key(auth_settings(tmp_path))
    env.pop("LEDGER_KAFKA_BOOTSTRAP_SERVERS", None)
    log = tmp_path / "ledger.log"
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", LAUNCH, "run", env=env, stdout=out, stderr=asyncio.subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"

    async def summary() -> dict[str, int]:
        if process.returncode is not None:
            raise AssertionError(f"ledger exited with {process.returncode}:\n{log.read_text()}")
        try:
            async with httpx.AsyncClient(base_url=base, timeout=2, headers={"X-API-Key": key}) as client:
                states: dict[str, int] = (await client.get("/v1/summary")).json()["states"]
                return states
        except httpx.HTTPError:
            return {}

    try:
        await produce(kafka_bootstrap, topics.transfers, [transfer_record("t-cli", "1")])
        await eventually(summary, lambda s: s.get("pending") == 1)
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), 30)
        assert code == 0, log.read_text()
        assert "ledger stopping" in log.read_text()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
