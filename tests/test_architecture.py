"""Pure cores stay pure: no IO library and no environment access under any `domain/` package."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = ("faststream", "aiokafka", "sqlalchemy", "fastapi", "httpx", "polars", "uvicorn", "alembic",
             "subprocess", "socket")
DOMAIN_FILES = sorted(ROOT.glob("services/*/domain/**/*.py"))


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_there_are_domain_packages_to_check() -> None:
    assert len(DOMAIN_FILES) >= 5


@pytest.mark.parametrize("path", DOMAIN_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_domain_modules_do_no_io(path: Path) -> None:
    bad = _imports(path) & set(FORBIDDEN)
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}: IO belongs in adapters/"
    assert "os.environ" not in path.read_text() and "getenv" not in path.read_text()


def test_schemas_depend_on_nothing_in_services() -> None:
    for path in (ROOT / "schemas").glob("*.py"):
        assert "services" not in _imports(path), path
