"""The README is the user's entry point: its commands and its configuration table must be true."""

from __future__ import annotations

import re
from pathlib import Path

from services.configuration import BEGIN, END, markdown

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_configuration_table_matches_the_settings_classes() -> None:
    documented = README[README.index(BEGIN) : README.index(END) + len(END)]
    assert documented == markdown(), "regenerate the table with `aml config` and paste it into README.md"


def test_ci_runs_exactly_the_readme_test_command() -> None:
    commands = re.findall(r"^make (\w+)\s+#", README, flags=re.MULTILINE)
    assert commands == ["demo", "test"]
    ci = (ROOT / ".ci" / "run").read_text().strip().splitlines()
    assert ci[-1] == "make test"
