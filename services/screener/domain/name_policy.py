"""The name matcher's thresholds as the screening policy sets them (`rules."sanctions.name"`)."""

from __future__ import annotations

from dataclasses import replace

from services.screener.domain.policy import Policy
from services.screener.domain.sanctions import SANCTIONED_NAME
from services.watchlists.domain.criteria import MatchConfig


def match_config(policy: Policy | None) -> MatchConfig:
    """`threshold` (a hit) and `floor` (worth reporting) from the policy; the tuned defaults otherwise."""
    rule = policy.rule(SANCTIONED_NAME) if policy is not None else None
    if rule is None or "threshold" not in rule.params:
        return MatchConfig()
    return replace(MatchConfig(), threshold=float(rule["threshold"]), floor=float(rule["floor"]))
