"""The demo's service processes: each one is the real `aml <service> run`, with its own log file."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class ServiceProcess:
    name: str
    env: dict[str, str]
    log_path: Path
    health_url: str | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    def start(self) -> None:
        env = {**os.environ, **self.env}
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "services.cli", self.name, "run"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C in the demo's terminal is handled by the demo
            )

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_healthy(self, timeout: float = 60.0) -> None:
        if self.health_url is None:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"{self.name} exited early; see {self.log_path}:\n{self.tail()}")
            try:
                if httpx.get(self.health_url, timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"{self.name} did not become healthy in {timeout:.0f}s; see {self.log_path}")

    def peak_rss_mb(self) -> float | None:
        """High-water mark of resident memory (Linux /proc), read before the process is stopped."""
        if self.process is None or not self.alive():
            return None
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
        except OSError:
            return None
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
        return None

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, no offset commit (used to test crash recovery)."""
        if self.process is not None and self.alive():
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self, timeout: float = 15.0) -> None:
        if self.process is None or not self.alive():
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def pipeline(
    workdir: Path, bootstrap: str, session_timeout_ms: int = 6000
) -> dict[str, ServiceProcess]:
    """ingest, screener, ledger and case desk wired to one broker, with SQLite files under `workdir`."""
    ingest_port, ledger_port, desk_port = free_port(), free_port(), free_port()
    common = {"KAFKA_BOOTSTRAP_SERVERS": bootstrap}
    # One auth database for every service: ingest checks the exchanges' keys in it, the case desk its officers.
    auth = f"sqlite+aiosqlite:///{workdir / 'auth.db'}"
    return {
        "ingest": ServiceProcess(
            "ingest",
            {
                **common,
                "INGEST_DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'ingest.db'}",
                "INGEST_HTTP_PORT": str(ingest_port),
                "AUTH_DATABASE_URL": auth,
            },
            workdir / "ingest.log",
            f"http://127.0.0.1:{ingest_port}/healthz",
        ),
        "screener": ServiceProcess(
            "screener",
            {
                **common,
                "SCREENER_SESSION_TIMEOUT_MS": str(session_timeout_ms),
                "SCREENER_HEARTBEAT_INTERVAL_MS": str(max(100, session_timeout_ms // 10)),
            },
            workdir / "screener.log",
        ),
        "ledger": ServiceProcess(
            "ledger",
            {
                **common,
                "LEDGER_DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'ledger.db'}",
                "AUTH_DATABASE_URL": auth,
                "LEDGER_HTTP_PORT": str(ledger_port),
                "LEDGER_KAFKA_SESSION_TIMEOUT_MS": str(session_timeout_ms),
                "LEDGER_KAFKA_HEARTBEAT_INTERVAL_MS": str(max(100, session_timeout_ms // 10)),
            },
            workdir / "ledger.log",
            f"http://127.0.0.1:{ledger_port}/healthz",
        ),
        "casedesk": ServiceProcess(
            "casedesk",
            {
                **common,
                "CASEDESK_DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'casedesk.db'}",
                "CASEDESK_HTTP_PORT": str(desk_port),
                "CASEDESK_LEDGER_URL": f"http://127.0.0.1:{ledger_port}",
                "AUTH_DATABASE_URL": auth,
                # Loopback without TLS: a Secure cookie would never be sent back by the browser.
                "AUTH_COOKIE_SECURE": "false",
            },
            workdir / "casedesk.log",
            f"http://127.0.0.1:{desk_port}/healthz",
        ),
    }
