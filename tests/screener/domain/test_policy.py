"""The policy file: validated on load with errors naming the key, version recorded, forced beats score."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from schemas import Action, Severity, TransferEvent
from services.screener.bootstrap import build_context, default_policy_path, load_policy
from services.screener.domain.decide import screen
from services.screener.domain.policy import RULE_PARAMETERS, Policy, PolicyError
from services.screener.domain.rules import RULES, Hit, ScreeningContext
from services.screener.domain.watchlist import WatchlistSnapshot
from tests.factories import transfer

NOW = datetime(2026, 11, 23, tzinfo=UTC)


def _default() -> dict[str, Any]:
    with default_policy_path().open("rb") as handle:
        return tomllib.load(handle)


def test_the_packaged_policy_is_valid_and_configures_every_rule() -> None:
    policy = load_policy()
    assert policy.version.startswith("policy-")
    assert set(policy.rules) == set(RULE_PARAMETERS)
    assert policy.rule("sanctions.wallet") is not None and policy.rules["sanctions.wallet"].forced == Action.HOLD


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda d: d["rules"]["graph.fan_in"].pop("min_counterparties"), 'rules."graph.fan_in".min_counterparties'),
        (lambda d: d["rules"]["graph.cycle"].update(max_hops="four"), 'rules."graph.cycle".max_hops'),
        (lambda d: d["rules"]["graph.cycle"].update(max_hops=True), 'rules."graph.cycle".max_hops'),
        (lambda d: d["rules"]["graph.fan_out"].update(min_counterparty=3), 'rules."graph.fan_out".min_counterparty'),
        (lambda d: d["rules"].update({"graph.fan_inn": {"weight": 1}}), 'rules."graph.fan_inn"'),
        (lambda d: d["rules"]["sanctions.wallet"].update(forced="block"), 'rules."sanctions.wallet".forced'),
        (lambda d: d["rules"]["graph.cycle"].update(weight=-1), 'rules."graph.cycle".weight'),
        (lambda d: d["bands"].update(flag=9.0), "bands.flag"),
        (lambda d: d.pop("version"), "version"),
        (lambda d: d["graph"].update(window=3), "graph.window"),
    ],
)
def test_a_bad_policy_is_refused_with_the_key_named(change: Any, named: str) -> None:
    data = _default()
    change(data)
    with pytest.raises(PolicyError) as caught:
        Policy.parse(data)
    assert named in str(caught.value)


def test_a_bad_file_names_the_file_and_the_key(tmp_path: Path) -> None:
    bad = tmp_path / "p.toml"
    bad.write_text(default_policy_path().read_text().replace("min_share = 0.1", 'min_share = "ten"'))
    with pytest.raises(PolicyError, match=r'p\.toml: rules\."graph\.exposure\.indirect"\.min_share'):
        load_policy(bad)


def _always(rule_id: str, weight: float) -> Any:
    def rule(_: TransferEvent, __: ScreeningContext) -> Iterator[Hit]:
        yield Hit(rule_id, "test", Severity.LOW, weight)

    return rule


def test_policy_weights_and_bands_drive_the_score_and_the_version_is_recorded() -> None:
    data = _default()
    data["rules"]["graph.fan_in"]["weight"] = 0.7
    policy = Policy.parse(data)
    ctx = build_context(policy, WatchlistSnapshot.build("wl-1", []))
    decision = screen(transfer(), ctx, policy, NOW, rules=(_always("graph.fan_in", 0.01),))
    assert (decision.score, decision.action, decision.policy_version) == (0.7, Action.FLAG, policy.version)


def test_a_forced_outcome_beats_any_score() -> None:
    data = _default()
    data["bands"] = {"flag": 50.0, "hold": 100.0}
    policy = Policy.parse(data)
    ctx = build_context(policy, WatchlistSnapshot.build("wl-1", []))
    rules = (_always("graph.fan_in", 0), _always("sanctions.wallet", 0))
    decision = screen(transfer(), ctx, policy, NOW, rules=rules)
    assert decision.action == Action.HOLD and decision.score < policy.bands.flag


def test_the_packaged_policy_keeps_the_existing_rules_working() -> None:
    policy = load_policy()
    ctx = build_context(policy, WatchlistSnapshot.unavailable("gone"))
    assert screen(transfer(), ctx, policy, NOW, rules=RULES).action == Action.HOLD


def test_the_case_desk_sla_hours_come_from_the_policy_file_and_are_checked() -> None:
    assert dict(load_policy().sla_hours) == {1: 4.0, 2: 12.0, 3: 120.0, 4: 720.0}
    base = {"version": "p", "bands": {"flag": 0.5, "hold": 1.0}, "graph": {"window_days": 30}}
    tight = Policy.parse(base | {"casedesk": {"sla_hours": {"1": 1, "4": 48}}})
    assert dict(tight.sla_hours) == {1: 1.0, 2: 12.0, 3: 120.0, 4: 48.0}
    with pytest.raises(PolicyError, match=re.escape('casedesk.sla_hours."5"')):
        Policy.parse(base | {"casedesk": {"sla_hours": {"5": 1}}})
    with pytest.raises(PolicyError, match=re.escape('casedesk.sla_hours."1"')):
        Policy.parse(base | {"casedesk": {"sla_hours": {"1": -2}}})
    with pytest.raises(PolicyError, match=re.escape("casedesk.hours")):
        Policy.parse(base | {"casedesk": {"hours": {}}})
