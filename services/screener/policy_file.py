"""Reading the policy file: the screener's rules and bands, and the case desk's SLA hours, in one versioned file."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

from services.screener.domain.policy import Policy, PolicyError


def default_policy_path() -> Path:
    return Path(str(resources.files("services.screener") / "policy" / "default.toml"))


def load_policy(path: Path | None = None) -> Policy:
    """Read and validate a policy file; a bad file raises PolicyError naming the file and the key."""
    path = path or default_policy_path()
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise PolicyError(f"{path}: {exc}") from exc
    try:
        return Policy.parse(data)
    except PolicyError as exc:
        raise PolicyError(f"{path}: {exc}") from exc
