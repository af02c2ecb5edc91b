"""The Kafka classpath cache: built once, atomically, and safely when two processes race for it.

A stand-in `mvn` on PATH writes empty jars, so these tests need neither Maven nor the network.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest

from services.broker import AssemblyError, BrokerSettings, assemble, find_install, kafka_home

FAKE_MVN = """#!{python}
import os, pathlib, sys, time
args = sys.argv[1:]
with open(os.environ["FAKE_MVN_LOG"], "a") as log:
    log.write(" ".join(args) + "\\n")
if os.environ.get("FAKE_MVN_FAIL"):
    print("[ERROR] Could not resolve dependencies", file=sys.stderr)
    sys.exit(1)
time.sleep(0.3)  # long enough for a racing second caller to find the lock held
out = pathlib.Path(next(a.split("=", 1)[1] for a in args if a.startswith("-DoutputDirectory=")))
out.mkdir(parents=True, exist_ok=True)
if any(a.endswith(":copy-dependencies") for a in args):
    jars = ["kafka_2.13-9.9.9.jar", "log4j-core-2.25.5.jar", os.environ.get("FAKE_SLF4J", "slf4j-api-1.7.36.jar")]
else:
    _, artifact, version = next(a for a in args if a.startswith("-Dartifact=")).split("=", 1)[1].split(":")
    jars = [f"{{artifact}}-{{version}}.jar"]
for jar in jars:
    (out / jar).touch()
"""


@pytest.fixture
def fake_mvn(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    mvn = bin_dir / "mvn"
    mvn.write_text(FAKE_MVN.format(python=sys.executable))
    mvn.chmod(0o755)
    log = tmp_path / "mvn.log"
    log.touch()
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    monkeypatch.setenv("FAKE_MVN_LOG", str(log))
    return log


def _settings(home: Path) -> BrokerSettings:
    return BrokerSettings(kafka_home=home, kafka_version="9.9.9")


def test_default_cache_is_per_user_and_per_version(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    home = kafka_home(BrokerSettings(kafka_home=None, kafka_version="4.1.1"))
    assert home == tmp_path / "aml-screening" / "kafka" / "4.1.1"


def test_racing_callers_share_one_maven_run(fake_mvn: Path, tmp_path: Path) -> None:
    home = tmp_path / "cache" / "9.9.9"
    results: list[Path] = []
    callers = [threading.Thread(target=lambda: results.append(assemble(_settings(home)).lib_dir)) for _ in range(3)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join()
    assert results == [home / "lib"] * 3
    runs = fake_mvn.read_text().splitlines()
    assert sum(":copy-dependencies" in run for run in runs) == 1
    jars = sorted(p.name for p in (home / "lib").iterdir())
    assert "log4j-slf4j-impl-2.25.5.jar" in jars  # the SLF4J 1.x binding, at log4j-core's version
    assert (home / "assembly.json").is_file()
    assert [p.name for p in home.parent.iterdir() if "partial" in p.name] == []


def test_slf4j_2_gets_the_slf4j2_binding(fake_mvn: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_SLF4J", "slf4j-api-2.0.17.jar")
    install = assemble(_settings(tmp_path / "k"))
    assert (install.lib_dir / "log4j-slf4j2-impl-2.25.5.jar").is_file()


def test_failed_maven_leaves_nothing_behind(fake_mvn: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_MVN_FAIL", "1")
    home = tmp_path / "cache" / "9.9.9"
    with pytest.raises(AssemblyError, match="Could not resolve"):
        assemble(_settings(home))
    assert not home.exists()
    assert [p.name for p in home.parent.iterdir() if not p.name.endswith(".lock")] == []


def test_without_maven_an_unassembled_cache_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(AssemblyError, match="mvn"):
        assemble(_settings(tmp_path / "k"))


def test_an_unpacked_apache_tarball_can_serve_as_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    libs = tmp_path / "kafka_2.13-4.1.1" / "libs"
    libs.mkdir(parents=True)
    for jar in ("kafka_2.13-4.1.1.jar", "log4j-core-2.24.3.jar"):
        (libs / jar).touch()
    monkeypatch.setenv("PATH", str(tmp_path))  # no Maven needed for a ready install
    install = assemble(_settings(libs.parent))
    assert (install.version, install.lib_dir) == ("4.1.1", libs)
    assert find_install(_settings(libs.parent)) == install
