"""Pytest plugin: a throwaway PostgreSQL cluster for the whole test session.

`postgres_url` starts a private cluster (initdb + pg_ctl) on a free loopback port with its
unix socket inside a temporary directory, trust authentication and fsync off, creates one
database and returns its `postgresql+asyncpg://` URL. The cluster is stopped and deleted at
the end of the session. Tests that need their own database can create more on it (see
`create_database`).

PostgreSQL refuses to run as root, so under root the server binaries run as the `postgres`
system user through `runuser`. Without PostgreSQL the fixture skips, except in CI
(`CI=true`), where a missing database must fail the build rather than pass it silently.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest

_SERVER_BINARIES = ("initdb", "pg_ctl", "postgres", "createdb")
_USER = "postgres"


def _complete(bindir: Path) -> bool:
    return all((bindir / name).is_file() for name in _SERVER_BINARIES)


def find_bindir() -> Path | None:
    """PATH first (symlinks resolved), then `pg_config --bindir`, then Debian's layout."""
    on_path = shutil.which("initdb")
    if on_path and _complete(Path(on_path).resolve().parent):
        return Path(on_path).resolve().parent
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=True, timeout=10)
            if _complete(Path(out.stdout.strip())):
                return Path(out.stdout.strip())
        except (OSError, subprocess.SubprocessError):
            pass
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name.split(".")[0]), reverse=True
    )
    return next((Path(c) for c in candidates if _complete(Path(c))), None)


def _unavailable(reason: str) -> NoReturn:
    message = f"PostgreSQL not installed: {reason}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class PostgresCluster:
    bindir: Path
    root: Path
    port: int
    run_as: tuple[str, ...]
    """Command prefix: `runuser -u postgres --` under root, nothing otherwise."""

    @property
    def datadir(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "sock"

    @property
    def log_file(self) -> Path:
        return self.root / "server.log"

    def run(self, binary: str, *args: str) -> None:
        command = [*self.run_as, str(self.bindir / binary), *args]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if result.returncode != 0:
            log = self.log_file.read_text(errors="replace")[-3000:] if self.log_file.exists() else ""
            raise RuntimeError(
                f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}\n{log}"
            )

    def start(self) -> None:
        self.run("initdb", "-D", str(self.datadir), "-U", _USER, "-A", "trust", "-E", "UTF8", "--no-locale", "-N")
        options = " ".join(
            f"-c {setting}"
            for setting in (
                f"port={self.port}",
                "listen_addresses=127.0.0.1",
                f"unix_socket_directories={self.socket_dir}",
                # Throwaway data: durability only costs time here.
                "fsync=off",
                "synchronous_commit=off",
                "full_page_writes=off",
                "max_connections=200",
            )
        )
        self.run("pg_ctl", "-D", str(self.datadir), "-l", str(self.log_file), "-o", options, "-w", "-t", "60", "start")

    def stop(self) -> None:
        self.run("pg_ctl", "-D", str(self.datadir), "-m", "immediate", "-w", "stop")

    def create_database(self, name: str) -> str:
        """Create a database and return its SQLAlchemy asyncpg URL."""
        self.run("createdb", "-h", str(self.socket_dir), "-p", str(self.port), "-U", _USER, name)
        return self.url(name)

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://{_USER}@127.0.0.1:{self.port}/{database}"


def _prepare_root() -> tuple[Path, tuple[str, ...]]:
    root = Path(tempfile.mkdtemp(prefix="aml-pg-"))
    (root / "sock").mkdir()
    if os.geteuid() != 0:
        return root, ()
    try:
        user = pwd.getpwnam(_USER)
    except KeyError:
        shutil.rmtree(root, ignore_errors=True)
        _unavailable(f"running as root and there is no '{_USER}' system user to run the server as")
    runuser = shutil.which("runuser")
    if runuser is None:
        shutil.rmtree(root, ignore_errors=True)
        _unavailable("running as root and `runuser` is missing, so the server cannot drop privileges")
    for path in (root, root / "sock"):
        os.chown(path, user.pw_uid, user.pw_gid)
        path.chmod(0o700)
    return root, (str(runuser), "-u", _USER, "--")


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    bindir = find_bindir()
    if bindir is None:
        _unavailable("no initdb/pg_ctl on PATH, from `pg_config --bindir` or in /usr/lib/postgresql/*/bin")
    root, run_as = _prepare_root()
    cluster = PostgresCluster(bindir=bindir, root=root, port=_free_port(), run_as=run_as)
    try:
        cluster.start()
        yield cluster
    finally:
        try:
            if (cluster.datadir / "postmaster.pid").exists():
                cluster.stop()
        finally:
            shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_url(postgres_cluster: PostgresCluster) -> str:
    """`postgresql+asyncpg://postgres@127.0.0.1:<port>/aml_test` on the session's cluster."""
    return postgres_cluster.create_database("aml_test")
