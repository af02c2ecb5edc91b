"""Test fixtures.

Strategy: pure code is tested directly; anything that touches Kafka or a database uses the
real thing, started once per session by the plugins below (a real Kafka broker, a throwaway
PostgreSQL cluster). Each test makes its own topics and group ids so tests never share state.
Third-party data from ../shared/data is read in place; tests that need it skip when it is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["tests.support.kafka", "tests.support.postgres"]

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"third-party evaluation data not found at {SHARED_DATA} (it sits beside the repository in CI)")
    return SHARED_DATA
