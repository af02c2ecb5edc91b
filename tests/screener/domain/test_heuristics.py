"""Each graph heuristic fires on a small crafted pattern and stays quiet on a near miss."""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise

from services.screener.domain.graph import Edge
from services.screener.domain.velocity import new_account_value_hit
from tests.screener.domain.patterns import EMPTY, Both, event, fired, policy_with, run

FAN = {"window_hours": 24, "min_counterparties": 4, "amount_tolerance": 0.1, "min_rise": 3.0}


def test_fan_in_fires_on_four_senders_of_similar_amounts_and_names_them() -> None:
    steps = [(f"s{i}", "hub", amount, 10 * i) for i, amount in enumerate((100, 102, 98, 101))]
    (hit,) = run(policy_with("graph.fan_in", **FAN), steps)
    assert hit.rule_id == "graph.fan_in"
    assert hit.subjects == ("hub", "s3", "s2", "s1", "s0")
    assert hit.evidence["counterparties"] == 4 and len(hit.evidence["edges"]) == 4
    assert "hub" in hit.explanation


def test_fan_in_is_quiet_when_one_amount_differs_or_the_window_is_exceeded() -> None:
    policy = policy_with("graph.fan_in", **FAN)
    assert fired(policy, [(f"s{i}", "hub", a, 10 * i) for i, a in enumerate((100, 102, 98, 300))]) == []
    assert fired(policy, [(f"s{i}", "hub", 100, 600 * i) for i in range(4)]) == []


DAY_MIN = 24 * 60


def test_fan_in_counts_only_senders_new_to_the_account() -> None:
    """Near miss: four senders that already paid the hub last week are its regulars, not a fan."""
    policy = policy_with("graph.fan_in", **FAN)
    regulars = [(f"s{i}", "hub", 100, 7 * DAY_MIN + i) for i in range(4)]
    again = [(f"s{i}", "hub", 100, 14 * DAY_MIN + 10 * i) for i in range(4)]
    assert fired(policy, regulars + again) == []
    fresh = [(f"n{i}", "hub", 100, 14 * DAY_MIN + 10 * i) for i in range(4)]
    assert fired(policy, regulars + fresh) == ["graph.fan_in"]


def test_fan_in_is_quiet_at_an_account_that_always_sees_this_many_new_senders() -> None:
    """Near miss: a collection account paid by four new accounts every day of its history (relative degree)."""
    policy = policy_with("graph.fan_in", **FAN)
    daily = [(f"d{day}_{i}", "hub", 100, day * DAY_MIN + i) for day in range(20) for i in range(4)]
    assert fired(policy, daily) == []
    quiet_history = [(f"d{day}", "hub", 100, day * DAY_MIN) for day in range(0, 20, 5)]
    burst = [(f"n{i}", "hub", 100, 20 * DAY_MIN + 10 * i) for i in range(4)]
    assert fired(policy, quiet_history + burst) == ["graph.fan_in"]


def test_fan_out_is_quiet_at_an_account_that_pays_this_many_new_receivers_every_day() -> None:
    policy = policy_with("graph.fan_out", **FAN)
    daily = [("hub", f"d{day}_{i}", 100, day * DAY_MIN + i) for day in range(20) for i in range(4)]
    assert fired(policy, daily) == []
    assert fired(policy, [("hub", f"r{i}", 100, 20 * DAY_MIN + i) for i in range(4)]) == ["graph.fan_out"]


def test_fan_out_fires_on_one_sender_to_four_receivers_and_not_on_three() -> None:
    policy = policy_with("graph.fan_out", **FAN)
    assert fired(policy, [("hub", f"r{i}", 100 + i, 5 * i) for i in range(4)]) == ["graph.fan_out"]
    assert fired(policy, [("hub", f"r{i}", 100 + i, 5 * i) for i in range(3)]) == []


def test_scatter_gather_fires_when_split_funds_meet_again() -> None:
    policy = policy_with("graph.scatter_gather", window_hours=48, min_intermediaries=3)
    scatter = [("src", f"m{i}", 300, i) for i in range(3)]
    gather = [(f"m{i}", "sink", 290, 60 + i) for i in range(3)]
    (hit,) = run(policy, scatter + gather)
    assert hit.subjects == ("src", "m0", "m1", "m2", "sink")
    assert hit.evidence["intermediaries"] == ["m0", "m1", "m2"]
    assert fired(policy, scatter + gather[:2]) == []


def test_gather_scatter_fires_on_a_hub_between_two_fans() -> None:
    policy = policy_with("graph.gather_scatter", window_hours=48, min_sources=3, min_destinations=3, min_rise=3.0)
    gather = [(f"s{i}", "hub", 100, i) for i in range(3)]
    scatter = [("hub", f"d{i}", 95, 30 + i) for i in range(3)]
    (hit,) = run(policy, gather + scatter)
    assert set(hit.subjects) == {"hub", "s0", "s1", "s2", "d0", "d1", "d2"}
    assert fired(policy, gather + scatter[:2]) == []


def test_gather_scatter_is_quiet_at_a_hub_that_always_deals_with_this_many_new_accounts() -> None:
    """Near miss: a payment processor gathers from and pays out to new accounts every day."""
    policy = policy_with("graph.gather_scatter", window_hours=48, min_sources=3, min_destinations=3, min_rise=3.0)
    daily = [
        step
        for day in range(20)
        for i in range(3)
        for step in ((f"s{day}_{i}", "hub", 100, day * DAY_MIN + i), ("hub", f"d{day}_{i}", 95, day * DAY_MIN + 30 + i))
    ]
    assert fired(policy, daily) == []


CYCLE = {"window_hours": 48, "max_hops": 4, "amount_tolerance": 0.05, "max_branching": 8, "max_lag_hours": 0}


def test_cycle_fires_when_funds_return_to_the_origin_nearly_intact() -> None:
    (hit,) = run(policy_with("graph.cycle", **CYCLE), [("a", "b", 100, 0), ("b", "c", 99, 10), ("c", "a", 98, 20)])
    assert hit.rule_id == "graph.cycle"
    assert hit.evidence["ring"] == ["a", "b", "c"] and hit.subjects == ("a", "b", "c")
    assert [e["transfer_id"] for e in hit.evidence["edges"]] == ["t00000", "t00001", "t00002"]


def test_cycle_is_quiet_when_the_amount_is_not_preserved_or_the_ring_is_too_long() -> None:
    policy = policy_with("graph.cycle", **CYCLE)
    assert fired(policy, [("a", "b", 100, 0), ("b", "c", 99, 10), ("c", "a", 60, 20)]) == []
    ring = ["a", "b", "c", "d", "e", "a"]
    assert fired(policy, [(x, y, 100, i) for i, (x, y) in enumerate(pairwise(ring))]) == []


def test_cycle_is_quiet_when_the_ring_runs_backwards_in_time() -> None:
    """Near miss: the same ring, but b paid c before a paid b, so no money went round."""
    policy = policy_with("graph.cycle", **CYCLE)
    assert fired(policy, [("b", "c", 99, 0), ("a", "b", 100, 10), ("c", "a", 98, 20)]) == []
    assert fired(policy, [("a", "b", 100, 0), ("b", "c", 99, 10), ("c", "a", 98, 20)]) == ["graph.cycle"]


def test_cycle_allows_a_hop_paid_from_balance_shortly_before_its_funds_arrive() -> None:
    lagged = [("b", "c", 99, 0), ("a", "b", 100, 10), ("c", "a", 98, 20)]
    assert fired(policy_with("graph.cycle", **(CYCLE | {"max_lag_hours": 1})), lagged) == ["graph.cycle"]
    late = [("b", "c", 99, 0), ("a", "b", 100, 90), ("c", "a", 98, 100)]
    assert fired(policy_with("graph.cycle", **(CYCLE | {"max_lag_hours": 1})), late) == []


PASS = {"window_minutes": 30, "min_share_out": 0.8, "max_share_out": 1.0}


def test_pass_through_fires_when_most_of_an_inflow_leaves_within_minutes() -> None:
    (hit,) = run(policy_with("graph.pass_through", **PASS), [("x", "mule", 1000, 0), ("mule", "y", 950, 10)])
    assert hit.subjects == ("x", "mule", "y") and hit.evidence["share_out"] == 0.95


def test_pass_through_is_quiet_when_the_money_stays_or_leaves_later() -> None:
    policy = policy_with("graph.pass_through", **PASS)
    assert fired(policy, [("x", "mule", 1000, 0), ("mule", "y", 300, 10)]) == []
    assert fired(policy, [("x", "mule", 1000, 0), ("mule", "y", 950, 90)]) == []


PEEL = {"window_hours": 48, "max_peel_share": 0.2, "min_hops": 3}


def test_peel_chain_fires_after_three_peel_hops_to_fresh_accounts() -> None:
    steps = [("f", "a", 1000, 0), ("a", "p1", 50, 1), ("a", "b", 940, 2), ("b", "p2", 40, 3), ("b", "c", 890, 4)]
    (hit,) = run(policy_with("graph.peel_chain", **PEEL), steps)
    assert hit.evidence["chain"] == ["f", "a", "b", "c"] and hit.subjects == ("f", "a", "b", "c")


def test_peel_chain_spans_hops_the_graph_only_learnt_from_another_replica() -> None:
    # The earlier hops were screened elsewhere (learnt from the graph tail), only the last one here.
    steps = [("f", "a", 1000, 0), ("a", "p1", 50, 1), ("a", "b", 940, 2), ("b", "p2", 40, 3), ("b", "c", 890, 4)]
    screen = Both(policy_with("graph.peel_chain", **PEEL))
    events = [event(src, dst, amount, minutes, n) for n, (src, dst, amount, minutes) in enumerate(steps)]
    for earlier in events[:-1]:
        screen.learn(earlier, EMPTY)
    (hit,) = screen.observe(events[-1], EMPTY)
    assert hit.evidence["chain"] == ["f", "a", "b", "c"]


def test_peel_chain_is_quiet_without_the_peels() -> None:
    steps = [("f", "a", 1000, 0), ("a", "b", 940, 2), ("b", "c", 890, 4)]
    assert fired(policy_with("graph.peel_chain", **PEEL), steps) == []


def test_split_transfers_fire_on_three_payments_to_one_receiver_within_a_day() -> None:
    policy = policy_with("graph.split_transfers", window_hours=24, min_transfers=3)
    (hit,) = run(policy, [("a", "b", 40, 0), ("a", "b", 41, 30), ("a", "b", 39, 60)])
    assert hit.subjects == ("a", "b") and hit.evidence["transfers"] == 3
    assert fired(policy, [("a", "b", 40, 0), ("a", "b", 41, 1500), ("a", "b", 39, 3000)]) == []


def _fiat_run(rule: str, params: dict[str, object], steps: list[tuple[str, str, float, float]]) -> list[str]:
    screen = Both(policy_with(rule, **params))
    rules: list[str] = []
    for n, (src, dst, value, minutes) in enumerate(steps):
        found = screen.observe(
            event(src, dst, 1, minutes, n, fiat_value=Decimal(str(value)), fiat_currency="USD"), EMPTY
        )
        rules = [h.rule_id for h in found]
    return rules


STRUCTURING = {
    "margin": 0.1,
    "min_transfers": 3,
    "window_hours": 24,
    "thresholds": [{"currency": "USD", "amount": 1000}],
}


def test_structuring_fires_on_three_transfers_just_below_the_line() -> None:
    steps = [("a", "b", 950, 0), ("a", "c", 980, 60), ("a", "d", 990, 120)]
    assert _fiat_run("graph.structuring", STRUCTURING, steps) == ["graph.structuring"]


def test_structuring_is_quiet_when_one_transfer_is_well_below_or_at_the_line() -> None:
    assert (
        _fiat_run("graph.structuring", STRUCTURING, [("a", "b", 850, 0), ("a", "c", 980, 60), ("a", "d", 990, 120)])
        == []
    )
    assert (
        _fiat_run("graph.structuring", STRUCTURING, [("a", "b", 950, 0), ("a", "c", 980, 60), ("a", "d", 1000, 120)])
        == []
    )


NEW = {"max_age_days": 7, "min_observed_days": 7, "thresholds": [{"currency": "USD", "amount": 10000}]}
DAY_MINUTES = 24 * 60


def test_new_account_moving_a_large_value_fires_and_an_old_one_does_not() -> None:
    watched = [("x", "y", 10, 0)]  # the graph has been watching since minute 0
    first = 8 * DAY_MINUTES  # "a" first appears eight days in
    assert _fiat_run("graph.new_account_value", NEW, [*watched, ("a", "b", 15000, first)]) == [
        "graph.new_account_value"
    ]
    history = [*watched, ("a", "b", 10, first)]
    assert _fiat_run("graph.new_account_value", NEW, [*history, ("a", "b", 15000, first + 10 * DAY_MINUTES)]) == []


def test_on_the_graphs_first_days_no_account_counts_as_new() -> None:
    # Every account is first seen when a screener starts: old customers included.
    watched = [("x", "y", 10, 0)]
    day_six = 6 * DAY_MINUTES
    assert _fiat_run("graph.new_account_value", NEW, [*watched, ("a", "b", 15000, day_six)]) == []
    assert _fiat_run("graph.new_account_value", NEW, [("a", "b", 15000, 60)]) == []
    eager = NEW | {"min_observed_days": 0}
    assert _fiat_run("graph.new_account_value", eager, [("a", "b", 15000, 60)]) == ["graph.new_account_value"]


def test_a_new_accounts_age_reads_as_an_analyst_would_say_it() -> None:
    edge = Edge("t", "a", "b", 1.0, 0.0, 15000.0, "USD")
    settings = policy_with("graph.new_account_value", **NEW).rule("graph.new_account_value")
    assert settings is not None
    hour = new_account_value_hit(edge, "a", 3600.0, settings).explanation
    assert hour == "a was first seen less than a day ago and already moves 15,000 USD."
    assert "first seen 2.5 days ago" in new_account_value_hit(edge, "a", 2.5 * 86400, settings).explanation


VELOCITY = {"factor": 5.0, "min_transfers": 5, "min_history_days": 7}


def test_velocity_spike_fires_against_the_accounts_own_history() -> None:
    policy = policy_with("graph.velocity_spike", **VELOCITY)
    daily = [("a", f"d{i}", 10, i * 1440) for i in range(10)]
    burst = [("a", f"b{i}", 10, 10 * 1440 + i) for i in range(6)]
    assert fired(policy, daily + burst) == ["graph.velocity_spike"]
    assert fired(policy, daily + burst[:4]) == []
    assert fired(policy, daily[7:] + burst) == []  # three days of history are too few to judge


def test_a_failing_heuristic_holds_the_transfer_with_a_screening_error() -> None:
    from dataclasses import replace
    from datetime import UTC, datetime

    from schemas import Action
    from services.screener.bootstrap import build_context, load_policy
    from services.screener.domain.decide import SCREENING_ERROR, screen
    from services.screener.domain.graph import TransferGraph
    from services.screener.domain.graph_screen import ReferenceGraphScreen
    from services.screener.domain.hit import Hit
    from services.screener.domain.policy import RuleSettings

    def broken(graph: TransferGraph, edge: Edge, settings: RuleSettings) -> Hit | None:
        raise ZeroDivisionError("bad data")

    policy = load_policy()
    reference = ReferenceGraphScreen(policy)
    reference._enabled.append((broken, RuleSettings(weight=0.5)))
    ctx = replace(build_context(policy, EMPTY), graph=reference)
    decision = screen(event("a", "b", 10, 0, 1), ctx, policy, datetime(2026, 3, 1, tzinfo=UTC))
    assert decision.action == Action.HOLD and decision.reasons[0].rule_id == SCREENING_ERROR
    assert len(reference) == 1  # the transfer is in the graph all the same: state never depends on errors
