"""The Java runtime that runs Apache Kafka."""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from pathlib import Path

MIN_JAVA = 17
"""Kafka 4.x brokers are compiled for Java 17 (class file version 61)."""


class JavaError(RuntimeError):
    """No Java new enough for Kafka 4.x."""


def find_java() -> str | None:
    """JAVA_HOME's java if set (as Kafka's scripts do), else the one on PATH."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home:
        candidate = Path(java_home) / "bin" / "java"
        if os.access(candidate, os.X_OK):
            return str(candidate)
    return shutil.which("java")


@functools.cache
def version_text(java: str) -> str:
    """What `java -version` prints (it writes to stderr), or "" if it cannot be run."""
    try:
        done = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stderr + done.stdout


def java_major(java: str) -> int | None:
    """The Java feature release number (8, 11, 17, 21…), or None if `java -version` is unreadable."""
    match = re.search(r'version "(\d+)(?:\.(\d+))?', version_text(java))
    if match is None:
        return None
    major = int(match.group(1))
    # Java 8 and older call themselves "1.8".
    return int(match.group(2) or 0) if major == 1 else major


def require_java() -> str:
    java = find_java()
    if java is None:
        raise JavaError(f"Apache Kafka needs Java {MIN_JAVA}+, and no `java` is on PATH or in JAVA_HOME")
    major = java_major(java)
    if major is None or major < MIN_JAVA:
        raise JavaError(f"Apache Kafka 4.x needs Java {MIN_JAVA}+, but {java} is Java {major}")
    return java
