"""Apache Kafka assembled from its Maven Central artifacts into a cache outside the repository.

The Apache tarball is not on any registry this project may use, but the jars are on Maven Central, and
`kafka.Kafka` only needs them on a classpath. The assembled directory is keyed by version and reused.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from services.broker.settings import BrokerSettings

MAVEN_TIMEOUT_S = 900.0
"""A cold ~/.m2 downloads ~45 MB; generous so a slow mirror fails loudly rather than flakily."""
DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
"""Pinned so every machine resolves the same way, whatever its Maven's built-in default is."""
MARKER = "assembly.json"

_POM = """<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.aml-screening</groupId>
  <artifactId>kafka-classpath</artifactId>
  <version>{version}</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_2.13</artifactId>
      <version>{version}</version>
    </dependency>
  </dependencies>
</project>
"""


class AssemblyError(RuntimeError):
    """Maven could not produce a usable Kafka classpath."""


@dataclass(frozen=True)
class KafkaInstall:
    """An assembled (or unpacked) Kafka: the directory whose jars make up the classpath."""

    version: str
    home: Path
    lib_dir: Path

    @property
    def classpath(self) -> str:
        # The JVM expands `dir/*` itself, which keeps the command line short.
        return str(self.lib_dir / "*")


def kafka_home(settings: BrokerSettings) -> Path:
    """Where the assembled Kafka lives: AML_KAFKA_HOME, else the per-user cache keyed by version."""
    if settings.kafka_home is not None:
        return settings.kafka_home.expanduser()
    cache_root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache_root / "aml-screening" / "kafka" / settings.kafka_version


def find_install(settings: BrokerSettings) -> KafkaInstall | None:
    """The usable install at `kafka_home`, or None when it still has to be assembled."""
    home = kafka_home(settings)
    # lib/ is our layout; libs/ lets AML_KAFKA_HOME point at an unpacked Apache tarball.
    for name in ("lib", "libs"):
        lib_dir = home / name
        if any(lib_dir.glob("kafka_2.13-*.jar")) and any(lib_dir.glob("log4j-core-*.jar")):
            jar = next(lib_dir.glob("kafka_2.13-*.jar"))
            version = jar.name.removeprefix("kafka_2.13-").removesuffix(".jar")
            return KafkaInstall(version=version, home=home, lib_dir=lib_dir)
    return None


def assemble(settings: BrokerSettings, progress: Callable[[str], None] | None = None) -> KafkaInstall:
    """Return the cached install, running Maven once per version and machine to build it."""
    found = find_install(settings)
    if found is not None:
        return found
    home = kafka_home(settings)
    home.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive(home.parent / f".{home.name}.lock"):
        # Whoever held the lock before us may have finished the job.
        found = find_install(settings)
        if found is not None:
            return found
        mvn = shutil.which("mvn")
        if mvn is None:
            raise AssemblyError(f"Kafka is not assembled at {home} and `mvn` is not on PATH")
        if progress is not None:
            progress(f"Assembling Apache Kafka {settings.kafka_version} from Maven Central (once per machine)…")
        started = time.monotonic()
        staging = Path(tempfile.mkdtemp(prefix=f".{home.name}.partial-", dir=home.parent))
        try:
            _build(mvn, settings.kafka_version, staging)
            _write_marker(staging, settings.kafka_version, time.monotonic() - started)
            _publish(staging, home)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    found = find_install(settings)
    if found is None:
        raise AssemblyError(f"assembled {home} but it holds no kafka_2.13 jar")
    return found


def _build(mvn: str, version: str, staging: Path) -> None:
    (staging / "pom.xml").write_text(_POM.format(version=version), encoding="utf-8")
    lib_dir = staging / "lib"
    _maven(
        mvn,
        staging,
        f"{DEPENDENCY_PLUGIN}:copy-dependencies",
        "-DincludeScope=runtime",
        f"-DoutputDirectory={lib_dir}",
    )
    # The POM ships log4j-core but no SLF4J binding; without one the broker logs nothing at all, not
    # even why it died. Pick the binding that matches the slf4j-api and log4j versions Maven chose.
    log4j = _jar_version(lib_dir, "log4j-core")
    slf4j = _jar_version(lib_dir, "slf4j-api")
    binding = "log4j-slf4j2-impl" if slf4j.startswith("2.") else "log4j-slf4j-impl"
    _maven(
        mvn,
        staging,
        f"{DEPENDENCY_PLUGIN}:copy",
        f"-Dartifact=org.apache.logging.log4j:{binding}:{log4j}",
        f"-DoutputDirectory={lib_dir}",
    )


def _publish(staging: Path, home: Path) -> None:
    # rename() is atomic on one filesystem, so readers see either nothing or a whole install. It also
    # replaces an empty directory, which is what a freshly created AML_KAFKA_HOME looks like.
    # mkdtemp made it private (0700); the finished install is as readable as any other cache entry.
    staging.chmod(0o755)
    try:
        os.rename(staging, home)
    except OSError as exc:
        raise AssemblyError(
            f"{home} exists but is not a Kafka install (no lib/kafka_2.13-*.jar); remove it and retry"
        ) from exc


def _maven(mvn: str, cwd: Path, *args: str) -> None:
    command = [mvn, "-B", "-q", "-f", str(cwd / "pom.xml"), *args]
    try:
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=MAVEN_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as exc:
        raise AssemblyError(f"Maven took longer than {MAVEN_TIMEOUT_S:.0f} s: {' '.join(command)}") from exc
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-30:])
        raise AssemblyError(
            f"Maven failed (exit {done.returncode}) running {' '.join(command)}; is Maven Central reachable?\n{tail}"
        )


def _jar_version(lib_dir: Path, artifact: str) -> str:
    pattern = re.compile(rf"^{re.escape(artifact)}-(\d[\w.\-]*)\.jar$")
    for jar in lib_dir.iterdir():
        match = pattern.match(jar.name)
        if match:
            return match.group(1)
    raise AssemblyError(f"Maven resolved no {artifact} jar into {lib_dir}")


def _write_marker(staging: Path, version: str, seconds: float) -> None:
    jars = sorted(p.name for p in (staging / "lib").glob("*.jar"))
    record = {"kafka_version": version, "assembly_seconds": round(seconds, 1), "jars": jars}
    (staging / MARKER).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


@contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    # flock makes a racing second process wait instead of downloading the same jars in parallel; the
    # kernel drops it if the holder dies, so a crashed assembly never leaves a stale lock behind.
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
