"""The compiled graph core (native/graph) against its Python reference: same hits, same graph, same errors.

`Both` (tests/screener/domain/patterns.py) already holds every crafted-pattern test to this. Here the
two are fed long random streams built to reach every rule and every corner of the window upkeep
(late arrivals, redelivered ids, transfers after their whole window, listed wallets, fiat values
around the lines), and the real AMLSim graphs and planted AMLworld attempts.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any

import pytest

from schemas import Action, Party, TransferEvent
from schemas.flat import to_event
from services.evaluation.graph import AMLSIM, DATA, HELD_OUT, PATTERNS
from services.evaluation.graph_data import Transfer, background, flat_rows, load_amlsim, parse_patterns, plant
from services.screener.bootstrap import build_context, load_policy
from services.screener.domain._graphcore import GraphCore
from services.screener.domain.decide import SCREENING_ERROR, screen
from services.screener.domain.event_time import OUTSIDE_WINDOW
from services.screener.domain.graph_screen import HEURISTICS, GraphScreen, ReferenceGraphScreen
from services.screener.domain.hit import Hit
from services.screener.domain.order import event_order
from services.screener.domain.policy import Policy
from services.screener.domain.watchlist import ListedWallet, WatchlistSnapshot
from services.screener.flat_file import DEFAULTS
from tests.screener.domain.patterns import EMPTY, START, event

LISTED = "TXj1TzNRUrB2rG2gz9Zr5WmQT2GZ3HNgQe"
WATCHLIST = WatchlistSnapshot.build(
    "wl-core", [ListedWallet(LISTED, "TRX", "OFAC SDN", "1", "X", "CYBER2")]
)
LINES = [{"currency": "USD", "amount": 1000}, {"currency": "EUR", "amount": 1000}]

# Loose thresholds and a two-day window, so that in a stream of a few thousand transfers among a few
# dozen accounts every rule fires and accounts leave and re-enter the window again and again.
LOOSE = Policy.parse(
    {
        "version": "core-1",
        "bands": {"flag": 0.5, "hold": 1.0},
        "graph": {"window_days": 2},
        "rules": {
            "graph.exposure.direct": {"weight": 1.0, "forced": "hold"},
            "graph.exposure.indirect": {"weight": 0.5, "max_hops": 3, "min_share": 0.05},
            "graph.fan_in": {"weight": 0.5, "window_hours": 12, "min_counterparties": 3, "amount_tolerance": 0.5,
                             "min_rise": 1.5},
            "graph.fan_out": {"weight": 0.5, "window_hours": 12, "min_counterparties": 3, "amount_tolerance": 1.0,
                              "min_rise": 1.5},
            "graph.scatter_gather": {"weight": 0.5, "window_hours": 24, "min_intermediaries": 2},
            "graph.gather_scatter": {"weight": 0.5, "window_hours": 24, "min_sources": 2, "min_destinations": 2,
                                     "min_rise": 1.0},
            "graph.cycle": {"weight": 0.5, "window_hours": 48, "max_hops": 6, "amount_tolerance": 0.3,
                            "max_branching": 4, "max_lag_hours": 6},
            "graph.pass_through": {"weight": 0.25, "window_minutes": 120, "min_share_out": 0.5, "max_share_out": 1.5},
            "graph.peel_chain": {"weight": 0.5, "window_hours": 24, "max_peel_share": 0.3, "min_hops": 2},
            "graph.structuring": {"weight": 0.5, "margin": 0.2, "min_transfers": 2, "window_hours": 24,
                                  "thresholds": LINES},
            "graph.split_transfers": {"weight": 0.5, "window_hours": 12, "min_transfers": 2},
            "graph.velocity_spike": {"weight": 0.25, "factor": 2.0, "min_transfers": 3, "min_history_days": 0.5},
            "graph.new_account_value": {"weight": 0.25, "max_age_days": 1, "min_observed_days": 0.25,
                                        "thresholds": [{"currency": "USD", "amount": 1100}]},
        },
    }
)  # fmt: skip


def peel_chain(name: str, at: datetime, rng: random.Random) -> list[TransferEvent]:
    """A funded account keeps a little and passes the rest to a fresh account, hop after hop."""
    hops = rng.randint(2, 5)
    accounts = [f"{name}-{i}" for i in range(hops + 1)]
    held, steps = 1000.0, [("a1", accounts[0], 1000.0)]
    for here, there in pairwise(accounts):
        peel = held * rng.uniform(0.02, 0.25)
        steps += [(here, f"{here}-peel", peel), (here, there, held - peel)]
        held -= peel
    return [
        transfer(f"{name}-{i}", at + timedelta(minutes=i), Party(account_id=src), dst, amount)
        for i, (src, dst, amount) in enumerate(steps)
    ]


def transfer(transfer_id: str, at: datetime, originator: Party, dst: str, amount: float, **fiat: Any) -> TransferEvent:
    return TransferEvent(
        transfer_id=transfer_id,
        occurred_at=at,
        exchange_id="x",
        asset="USDT",
        chain="tron",
        amount=Decimal(f"{amount:.2f}"),
        originator=originator,
        beneficiary=Party(account_id=dst),
        **fiat,
    )


def random_stream(seed: int, count: int = 3000) -> list[TransferEvent]:
    rng = random.Random(seed)
    accounts = [f"a{i}" for i in range(40)]
    events: list[TransferEvent] = []
    minutes = 0.0
    for n in range(count):
        roll = rng.random()
        if roll < 0.01:
            events.extend(peel_chain(f"p{seed}-{n}", START + timedelta(minutes=minutes), rng))
            continue
        if roll < 0.03 and events:
            events.append(rng.choice(events))  # redelivered: the same transfer again
            continue
        minutes += rng.expovariate(1 / 20)
        at = minutes
        if roll < 0.08:
            at -= rng.uniform(0, 6 * 24 * 60)  # late, sometimes later than its whole window
        src, dst = rng.sample(accounts[: rng.choice((8, 40))], 2)
        if rng.random() < 0.01:
            dst = src
        amount = rng.choice((100.0, 250.0, 900.0)) * rng.uniform(0.8, 1.2)
        fiat: dict[str, Any] = {}
        if rng.random() < 0.3:
            value = rng.choice((850, 950, 990, 1200, 5))
            fiat = {"fiat_value": Decimal(value), "fiat_currency": rng.choice(("USD", "EUR", "PKR"))}
        originator = Party(account_id=src, wallet_address=LISTED if src == "a0" and rng.random() < 0.3 else None)
        events.append(transfer(f"t{seed}-{n}", START + timedelta(minutes=at), originator, dst, amount, **fiat))
    return events


def outcome(screen: GraphScreen | ReferenceGraphScreen, transfer: TransferEvent) -> list[Hit] | tuple[str, str]:
    """The hits, or the error (type and message) screening would hold the transfer for."""
    try:
        return screen.observe(transfer, WATCHLIST)
    except Exception as exc:
        return type(exc).__name__, str(exc)


def compare(policy: Policy, events: Iterable[TransferEvent], check_every: int = 50) -> Counter[str]:
    """Feed both, asserting they agree after every transfer; how often each rule fired (and errors)."""
    native, reference = GraphScreen(policy), ReferenceGraphScreen(policy)
    fired: Counter[str] = Counter()
    for n, transfer in enumerate(events):
        got, want = outcome(native, transfer), outcome(reference, transfer)
        assert got == want, f"transfer {n} ({transfer.transfer_id})"
        if isinstance(got, tuple):
            fired["error:" + got[0]] += 1
        else:
            fired.update(hit.rule_id for hit in got)
        if n % check_every == 0 or isinstance(got, tuple):
            assert sorted(native.edge_keys()) == sorted(reference.edge_keys()), f"after transfer {n}"
            accounts = (transfer.originator.account_id, transfer.beneficiary.account_id)
            assert [native.exposure_hops(a) for a in accounts] == [reference.exposure_hops(a) for a in accounts]
    assert len(native) == len(reference)
    assert sorted(native.edge_keys()) == sorted(reference.edge_keys())
    return fired


def test_random_streams_give_the_same_hits_graph_and_errors_and_reach_every_rule() -> None:
    fired: Counter[str] = Counter()
    for seed in range(4):
        fired += compare(LOOSE, random_stream(seed))
    assert {rule_id for rule_id, _ in HEURISTICS} <= set(fired), fired
    # Transfers after their whole window are not placed and say so, in both engines; none is an error.
    assert fired[OUTSIDE_WINDOW] > 0
    assert not [key for key in fired if key.startswith("error:")], fired


def test_the_default_policy_agrees_on_random_streams() -> None:
    compare(load_policy(), random_stream(7, 2000))


def test_a_rule_unknown_to_the_core_or_missing_a_setting_is_refused_by_name() -> None:
    core = GraphCore(86400.0, 3)
    with pytest.raises(ValueError, match=r'unknown graph rule "graph\.teleport"'):
        core.enable("graph.teleport", {}, [])
    with pytest.raises(ValueError, match=r'graph\.cycle: missing or non-finite setting "max_lag_hours"'):
        core.enable("graph.cycle", {"window_hours": 1, "max_hops": 3, "amount_tolerance": 0.1, "max_branching": 2}, [])
    core.enable("graph.split_transfers", {"window_hours": 1, "min_transfers": 2}, [])
    with pytest.raises(ValueError, match="enabled twice"):
        core.enable("graph.split_transfers", {"window_hours": 1, "min_transfers": 2}, [])
    with pytest.raises(ValueError, match="must be finite"):
        core.observe("t1", "a", "b", float("nan"), 0.0, 0.0, "", False, False)
    with pytest.raises(ValueError, match="positive number of seconds"):
        GraphCore(0.0, 3)


def test_a_repeated_transfer_changes_nothing_and_the_window_forgets_old_accounts() -> None:
    core = GraphCore(3600.0, 3)
    assert core.learn("t1", "a", "b", 10.0, 0.0, 0.0, "", False, False)
    assert not core.learn("t1", "a", "b", 10.0, 0.0, 0.0, "", False, False)
    assert core.learn("t2", "b", "c", 10.0, 4000.0, 0.0, "", False, False)
    assert len(core) == 1 and core.edge_keys() == [("b", "c", "t2")]
    assert core.accounts() == 2  # a left with its only transfer


needs_data = pytest.mark.skipif(
    not (DATA / PATTERNS).exists(), reason=f"shared AML data not present at {DATA} (the AMLSim cross-check needs it)"
)


def amlsim_events(transfers: list[Transfer]) -> list[TransferEvent]:
    return sorted((to_event(row, DEFAULTS) for row in flat_rows(transfers)), key=event_order)


@needs_data
def test_amlsim_graphs_and_planted_attempts_give_the_same_hits_with_the_default_policy() -> None:
    policy = load_policy()
    sim = load_amlsim(DATA / AMLSIM / HELD_OUT)
    fired = compare(policy, amlsim_events(sim.transfers), check_every=20_000)
    assert fired["graph.fan_in"] > 20 and fired["graph.cycle"] > 5, fired
    base = background(load_amlsim(DATA / AMLSIM / "20K_cycle200"))
    transfers, _ = plant(base, parse_patterns(DATA / PATTERNS), random.Random(11))
    fired = compare(policy, amlsim_events(transfers), check_every=20_000)
    assert min(fired[rule] for rule in ("graph.scatter_gather", "graph.gather_scatter", "graph.fan_out")) >= 5, fired


def test_the_core_keeps_only_the_window_over_a_long_stream() -> None:
    core = GraphCore(86400.0, 3)
    for i in range(5000):  # one transfer every 10 minutes, to a new account each time
        core.learn(f"t{i}", f"a{i % 50}", f"b{i}", 1.0, i * 600.0, 0.0, "", False, False)
    assert len(core) <= 145 and len(core.edge_keys()) == len(core)
    assert core.accounts() <= 50 + 145


def test_after_an_internal_error_the_core_holds_every_transfer_until_restarted() -> None:
    policy = load_policy()
    ctx = build_context(policy, EMPTY)
    assert isinstance(ctx.graph, GraphScreen)
    assert screen(event("a", "b", 10, 0, 1), ctx, policy, START).action == Action.ALLOW
    with pytest.raises(RuntimeError, match="graph core internal error: test hook"):
        ctx.graph.core._panic_for_tests()
    for n in range(2, 4):  # not only the transfer that met the error: the state is no longer trusted
        decision = screen(event("a", "b", 10, n, n), ctx, policy, START)
        assert decision.action == Action.HOLD and decision.reasons[0].rule_id == SCREENING_ERROR
        assert "restart the screener" in decision.reasons[0].evidence["detail"]
    with pytest.raises(RuntimeError, match="restart the screener"):
        ctx.graph.exposure_hops("a")



def test_a_transfer_the_graph_failed_to_learn_holds_every_later_one() -> None:
    """Learning (graph tail, rebuild, recalled decisions) never stops the stream, but never fails open."""
    policy = load_policy()
    ctx = build_context(policy, EMPTY)
    assert isinstance(ctx.graph, GraphScreen)
    ctx.graph.learn(event("a", "b", 10, 0, 1), EMPTY)
    assert ctx.graph.broken is None and len(ctx.graph) == 1
    with pytest.raises(RuntimeError):
        ctx.graph.core._panic_for_tests()
    ctx.graph.learn(event("c", "d", 10, 1, 2), EMPTY)  # the core refuses it now: no exception here
    assert ctx.graph.broken is not None and "restart the screener" in ctx.graph.broken
    decision = screen(event("e", "f", 10, 2, 3), ctx, policy, START)
    assert decision.action == Action.HOLD and decision.reasons[0].rule_id == SCREENING_ERROR
    assert "missed a transfer" in decision.reasons[0].evidence["detail"]
