"""The demo's planted scenarios, screened through `aml screen`'s code path: each is caught by the rule
it names, with the action it names, on its last leg and not before, while the random traffic stays allowed."""

from __future__ import annotations

import itertools
import random
from collections import Counter
from datetime import UTC, datetime

import pytest

from schemas import Action
from services.demo import scenarios
from services.demo.runner import demo_wallets
from services.demo.workload import PlannedTransfer, generate
from services.screener.adapters.lists import load_watchlist
from services.screener.backtest import run
from services.screener.bootstrap import build_context, load_policy

START = datetime(2026, 11, 23, 9, tzinfo=UTC)
BUILT = scenarios.build(random.Random(0), "t", "x", "0x" + "1" * 40)
RULES = {s.name: s.rule_id for s in BUILT}


def _workload(count: int, plant: bool = True) -> list[PlannedTransfer]:
    return list(generate(count, demo_wallets(), start=START, run_tag="t", plant=plant))


def test_every_scenario_is_caught_by_its_rule_on_its_last_leg_and_not_before() -> None:
    planned = _workload(2000)
    policy = load_policy()
    context = build_context(policy, load_watchlist())
    decisions = {d.transfer_id: d for d in run([p.event for p in planned], context, policy)}
    expected = {p.event.transfer_id: p.expect for p in planned if p.expect is not None}
    assert sorted(e.scenario for e in expected.values()) == sorted(RULES)
    for transfer_id, expect in expected.items():
        decision = decisions[transfer_id]
        rules = {r.rule_id for r in decision.reasons}
        assert decision.action == expect.action and expect.rule_id in rules, (expect, decision.action, rules)
    # The earlier legs are not the pattern yet: a fan of four, an open ring, two transfers under the line.
    for p in planned:
        if p.scenario is not None and p.expect is None:
            rules = {r.rule_id for r in decisions[p.event.transfer_id].reasons}
            assert RULES[p.scenario] not in rules, (p.scenario, rules)
    # Outside the scenarios and the listed wallets the random traffic is allowed: a fresh screener's
    # customers are all "first seen", and must not be flagged for it.
    background = Counter(decisions[p.event.transfer_id].action for p in planned if p.scenario is None and not p.listed)
    assert background == {Action.ALLOW: sum(background.values())}


def test_legs_are_spread_over_the_run_in_event_time_order() -> None:
    planned = _workload(2000)
    assert len(planned) == 2000
    assert [p.event.occurred_at for p in planned] == sorted(p.event.occurred_at for p in planned)
    positions: dict[str, list[int]] = {}
    for n, p in enumerate(planned):
        if p.scenario is not None:
            positions.setdefault(p.scenario, []).append(n)
    assert {name: len(found) for name, found in positions.items()} == {s.name: len(s.legs) for s in BUILT}
    for found in positions.values():
        assert all(b - a >= 100 for a, b in itertools.pairwise(found)), found


def test_without_a_listed_wallet_every_scenario_but_the_exposure_one_is_planted() -> None:
    names = [s.name for s in scenarios.build(random.Random(0), "t", "x", None)]
    assert "exposure" in RULES and names == [name for name in RULES if name != "exposure"]


def test_short_runs_plant_nothing() -> None:
    assert not [p for p in _workload(scenarios.MIN_TRANSFERS - 1) if p.scenario is not None]
    assert [p.event for p in _workload(50, plant=False)] == [p.event for p in _workload(50)]


@pytest.mark.parametrize("count", [scenarios.MIN_TRANSFERS, 10**9])
def test_every_leg_has_a_place_early_in_the_run(count: int) -> None:
    plan = scenarios.schedule(BUILT, count)
    assert len(plan) == sum(len(s.legs) for s in BUILT)
    assert max(plan) < min(count, scenarios.MAX_SPACING * max(len(s.legs) for s in BUILT) + len(BUILT))
