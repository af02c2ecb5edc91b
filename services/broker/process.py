"""A broker child process: how it is spawned, watched and stopped."""

from __future__ import annotations

import atexit
import ctypes
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Literal

BrokerKind = Literal["apache", "tansu"]

_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class LaunchPlan:
    """Everything needed to spawn one broker; built by apache.py or tansu.py."""

    kind: BrokerKind
    argv: Sequence[str]
    env: Mapping[str, str]
    run_dir: Path
    log_path: Path
    bootstrap_servers: str
    stop_signal: signal.Signals
    on_exit: Callable[[int | None], None] | None = None
    """Called once with the exit code after the process has ended (and before its files go)."""


@dataclass
class RunningBroker:
    """A started broker. Use as a context manager, or call stop(); stop() is idempotent."""

    kind: BrokerKind
    bootstrap_servers: str
    log_path: Path
    run_dir: Path
    process: subprocess.Popen[bytes]
    stop_signal: signal.Signals
    on_exit: Callable[[int | None], None] | None = field(default=None, repr=False)
    _stopped: bool = field(default=False, repr=False)

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def port(self) -> int:
        return int(self.bootstrap_servers.rsplit(":", 1)[1])

    def is_running(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        return log_tail(self.log_path, lines)

    def stop(self, timeout: float = 30.0, *, keep_files: bool = False) -> int | None:
        """Ask the broker to shut down, kill it after `timeout` seconds, then delete its run dir.

        Returns the exit code (None if it had to be killed and still could not be reaped). A JVM that
        shut down cleanly on SIGTERM exits with 143, Tansu with 0 on SIGINT.
        `keep_files` leaves the run dir (config, data, broker.log) for a post-mortem.
        """
        if self._stopped:
            return self.process.returncode
        self._stopped = True
        atexit.unregister(self.stop)
        if self.process.poll() is None:
            self.process.send_signal(self.stop_signal)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                try:
                    self.process.wait(timeout=10.0)
                except subprocess.TimeoutExpired:
                    return None
        if self.on_exit is not None:
            self.on_exit(self.process.returncode)
        if not keep_files:
            shutil.rmtree(self.run_dir, ignore_errors=True)
        return self.process.returncode

    def __enter__(self) -> RunningBroker:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def spawn(plan: LaunchPlan) -> RunningBroker:
    """Start the broker with its output going to the run dir's log file, never to an unread pipe."""
    with plan.log_path.open("ab") as log:
        process = subprocess.Popen(
            list(plan.argv),
            cwd=plan.run_dir,
            env=dict(plan.env),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            # Own session: a terminal's Ctrl-C reaches only us, and we stop the broker in order.
            start_new_session=True,
            preexec_fn=_die_with_parent() if _can_tie_to_parent() else None,
        )
    broker = RunningBroker(
        kind=plan.kind,
        bootstrap_servers=plan.bootstrap_servers,
        log_path=plan.log_path,
        run_dir=plan.run_dir,
        process=process,
        stop_signal=plan.stop_signal,
        on_exit=plan.on_exit,
    )
    # A caller that forgets stop() still must not leave a JVM behind when Python exits normally.
    atexit.register(broker.stop)
    return broker


def log_tail(path: Path, lines: int = 40) -> str:
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - 64 * 1024))
            text = handle.read().decode("utf-8", errors="replace")
    except OSError:
        return "(no broker log)"
    return "\n".join(text.splitlines()[-lines:])


def _can_tie_to_parent() -> bool:
    # PDEATHSIG fires when the spawning *thread* ends, so only the main thread (which lives as long as
    # the process) may use it; elsewhere we rely on atexit and stop().
    return sys.platform == "linux" and threading.current_thread() is threading.main_thread()


def _die_with_parent() -> Callable[[], None]:
    libc = ctypes.CDLL(None, use_errno=True)

    def tie() -> None:
        # A SIGKILLed pytest or CLI would otherwise orphan a 350 MiB JVM holding its ports.
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)

    return tie
