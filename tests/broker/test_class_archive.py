"""The JVM class archive is published only from a cleanly stopped broker, and keyed by JVM and classpath."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.broker.assembly import KafkaInstall
from services.broker.class_archive import ClassArchive


@pytest.fixture
def install(tmp_path: Path) -> KafkaInstall:
    (tmp_path / "lib").mkdir()
    return KafkaInstall(version="9.9.9", home=tmp_path, lib_dir=tmp_path / "lib")


def _java(tmp_path: Path, name: str) -> str:
    # Not a real JVM: `java -version` fails, which must still give a stable, distinct key.
    path = tmp_path / name
    path.write_text("#!/bin/sh\nexit 1\n")
    path.chmod(0o755)
    return str(path)


def test_archive_name_depends_on_the_jvm(install: KafkaInstall, tmp_path: Path) -> None:
    first = ClassArchive.for_install(install, _java(tmp_path, "java-a"))
    assert first == ClassArchive.for_install(install, _java(tmp_path, "java-a"))
    assert first != ClassArchive.for_install(install, _java(tmp_path, "java-b"))
    assert first.path.parent == install.home


@pytest.mark.parametrize(("exit_code", "published"), [(143, True), (0, True), (1, False), (-9, False), (None, False)])
def test_only_clean_exits_publish(
    install: KafkaInstall, tmp_path: Path, exit_code: int | None, published: bool
) -> None:
    archive = ClassArchive.for_install(install, _java(tmp_path, "java"))
    assert archive.use_flags() == []
    target = archive.dump_target()
    assert target is not None and target.parent == install.home
    target.write_bytes(b"jsa")
    archive.adopt(target, exit_code)
    assert archive.path.exists() is published
    assert not target.exists()
    assert archive.use_flags() == ([f"-XX:SharedArchiveFile={archive.path}"] if published else [])
    assert (archive.dump_target() is None) is published
