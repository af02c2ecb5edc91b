"""A class-data-sharing (CDS) archive of the classes a Kafka start loads, kept beside the jars.

Loading and verifying Kafka's and Scala's classes is a large share of a JVM's start-up CPU. The JDK can dump the
classes a run loaded when it exits (-XX:ArchiveClassesAtExit) and map them on later starts
(-XX:SharedArchiveFile). Measured on this 2-core machine, spawn to first admin answer (format included),
median of 4 interleaved runs while other test suites competed for the cores: 16.6 s without, 9.7 s with
the archive; on a quiet machine the broker JVM alone went from ~4.0-4.7 s to ~3.1-3.8 s. The first start
writes the archive (~50 MB) while it shuts down, which makes that one stop() a few seconds slower; a JVM
that cannot use an archive ignores it with a warning in broker.log and starts the slow way.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from services.broker.assembly import KafkaInstall
from services.broker.java import version_text

STALE_PARTIAL_S = 3600.0
CLEAN_EXITS = (0, 143)
"""Exit codes of a JVM that shut down normally (143: after SIGTERM); others may have dumped a partial set."""


@dataclass(frozen=True)
class ClassArchive:
    path: Path

    @classmethod
    def for_install(cls, install: KafkaInstall, java: str) -> ClassArchive:
        # An archive only works with the exact JVM build and classpath that wrote it, so both name it.
        identity = f"{os.path.realpath(java)}\n{version_text(java)}\n{install.lib_dir.resolve()}"
        key = hashlib.sha256(identity.encode()).hexdigest()[:16]
        return cls(install.home / f"classes-{key}.jsa")

    def use_flags(self) -> list[str]:
        """JVM flags that map the archive, or none while it does not exist yet."""
        return [f"-XX:SharedArchiveFile={self.path}"] if self.path.is_file() else []

    def dump_target(self) -> Path | None:
        """Where a first run should dump its classes, or None (archive exists, or the home is read-only)."""
        if self.path.exists() or not os.access(self.path.parent, os.W_OK):
            return None
        self._sweep()
        # A private name per run: two first starts racing each write their own, and both are whole.
        return self.path.with_name(f".{self.path.name}.{uuid.uuid4().hex[:8]}.partial")

    def adopt(self, dumped: Path, exit_code: int | None) -> None:
        """Publish what a finished run dumped, if it ended cleanly; else discard it."""
        with contextlib.suppress(OSError):
            if exit_code in CLEAN_EXITS and dumped.is_file() and dumped.stat().st_size > 0:
                # Atomic: a JVM starting now maps either no archive or a whole one.
                os.replace(dumped, self.path)
            else:
                dumped.unlink(missing_ok=True)

    def _sweep(self) -> None:
        # A JVM killed while dumping leaves its partial file behind; none legitimately lives this long.
        cutoff = time.time() - STALE_PARTIAL_S
        for leftover in self.path.parent.glob(f".{self.path.name}.*.partial"):
            with contextlib.suppress(OSError):
                if leftover.stat().st_mtime < cutoff:
                    leftover.unlink()
