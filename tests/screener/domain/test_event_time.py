"""Event time one transfer cannot abuse (domain/event_time.py): far-ahead transfers stay out of the graph and
are held; transfers behind the window are screened without the graph and say so; neither is an error."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas import Action, Party, TransferEvent
from services.screener.bootstrap import load_jurisdictions, load_policy
from services.screener.domain.decide import SCREENING_ERROR, screen
from services.screener.domain.event_time import FUTURE_DATED, OUTSIDE_WINDOW
from services.screener.domain.graph_screen import GraphScreen, ReferenceGraphScreen
from services.screener.domain.rules import ScreeningContext
from services.screener.domain.watchlist import ListedWallet, WatchlistSnapshot

LISTED = "TXj1TzNRUrB2rG2gz9Zr5WmQT2GZ3HNgQe"
WATCHLIST = WatchlistSnapshot.build("wl-time", [ListedWallet(LISTED, "TRX", "OFAC SDN", "1", "X", "CYBER2")])
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
POLICY = load_policy()
ENGINES = [GraphScreen, ReferenceGraphScreen]


def context(engine: type[GraphScreen] | type[ReferenceGraphScreen]) -> ScreeningContext:
    return ScreeningContext(WATCHLIST, POLICY, engine(POLICY), load_jurisdictions())


def transfer(tid: str, at: datetime, src: str, dst: str, wallet: str | None = None) -> TransferEvent:
    return TransferEvent(
        transfer_id=tid,
        occurred_at=at,
        exchange_id="exA",
        asset="USDT",
        chain="tron",
        amount=Decimal("100"),
        originator=Party(account_id=src),
        beneficiary=Party(account_id=dst, wallet_address=wallet, hosted=wallet is None),
    )


def fan_in(ctx: ScreeningContext, start: datetime, payee: str, prefix: str) -> list[Action]:
    """Eight fresh payers each send the payee about the same sum within hours: the fan-in rule's pattern."""
    legs = [transfer(f"{prefix}{i}", start + timedelta(minutes=20 * i), f"{prefix}p{i}", payee) for i in range(8)]
    return [screen(leg, ctx, POLICY, NOW).action for leg in legs]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_transfer_dated_40_days_ahead_is_held_kept_out_of_the_graph_and_moves_no_window(
    engine: type[GraphScreen] | type[ReferenceGraphScreen],
) -> None:
    ctx = context(engine)
    assert ctx.graph is not None
    before = screen(transfer("early", NOW - timedelta(hours=1), "a", "b"), ctx, POLICY, NOW)
    assert before.action is Action.ALLOW
    ahead = screen(transfer("ahead", NOW + timedelta(days=40), "x", "y"), ctx, POLICY, NOW)
    assert ahead.action is Action.HOLD
    assert [r.rule_id for r in ahead.reasons] == [FUTURE_DATED]
    assert ahead.reasons[0].evidence["lead_seconds"] == pytest.approx(40 * 86400)
    assert len(ctx.graph) == 1  # only "early": the far-dated one never entered
    # Every exchange's next transfers are still judged by the real rules: a listed wallet is held for it,
    # and a fan-in still builds up and flags (the window did not jump 40 days ahead and evict them).
    listed = screen(transfer("to-listed", NOW - timedelta(minutes=30), "c", "d", wallet=LISTED), ctx, POLICY, NOW)
    assert listed.action is Action.HOLD and listed.reasons[0].rule_id == "sanctions.wallet"
    assert Action.FLAG in fan_in(ctx, NOW - timedelta(hours=20), "collector", "f")


@pytest.mark.parametrize("engine", ENGINES)
def test_a_far_dated_transfer_to_a_listed_wallet_is_held_for_the_list_too(
    engine: type[GraphScreen] | type[ReferenceGraphScreen],
) -> None:
    decision = screen(transfer("t", NOW + timedelta(days=3650), "a", "b", wallet=LISTED), context(engine), POLICY, NOW)
    assert decision.action is Action.HOLD
    assert {r.rule_id for r in decision.reasons} == {FUTURE_DATED, "sanctions.wallet"}


@pytest.mark.parametrize("engine", ENGINES)
def test_a_transfer_behind_the_window_for_an_unseen_account_is_flagged_with_a_reason_not_an_error(
    engine: type[GraphScreen] | type[ReferenceGraphScreen],
) -> None:
    ctx = context(engine)
    screen(transfer("now", NOW, "a", "b"), ctx, POLICY, NOW)
    late = screen(transfer("late", NOW - timedelta(days=40), "fresh-a1", "fresh-b1"), ctx, POLICY, NOW)
    assert late.action is Action.FLAG  # the default policy's outcome for graph.outside_window
    (reason,) = late.reasons
    assert reason.rule_id == OUTSIDE_WINDOW and "could not judge it" in reason.explanation
    assert reason.evidence["behind_seconds"] == pytest.approx(40 * 86400)
    # Still screened by the rules that need no graph: a listed wallet holds it.
    old_listed = screen(transfer("late2", NOW - timedelta(days=40), "a", "e", wallet=LISTED), ctx, POLICY, NOW)
    assert old_listed.action is Action.HOLD
    assert {r.rule_id for r in old_listed.reasons} == {"sanctions.wallet", OUTSIDE_WINDOW}


def test_a_late_transfer_inside_the_window_joins_the_graph_where_it_belongs() -> None:
    ctx = context(GraphScreen)
    assert ctx.graph is not None
    screen(transfer("now", NOW, "a", "b"), ctx, POLICY, NOW)
    late = screen(transfer("late", NOW - timedelta(days=10), "c", "d"), ctx, POLICY, NOW)
    assert late.action is Action.ALLOW and not late.reasons
    assert len(ctx.graph) == 2


def test_the_policy_sets_the_skew_and_a_transfer_just_inside_it_is_screened_as_usual() -> None:
    tight = replace(POLICY, max_future_skew_s=60.0)
    ctx = ScreeningContext(WATCHLIST, tight, GraphScreen(tight), load_jurisdictions())
    inside = screen(transfer("in", NOW + timedelta(seconds=59), "a", "b"), ctx, tight, NOW)
    outside = screen(transfer("out", NOW + timedelta(seconds=61), "a", "b"), ctx, tight, NOW)
    assert inside.action is Action.ALLOW and outside.action is Action.HOLD


@settings(max_examples=200, deadline=None)
@given(
    offsets=st.lists(st.integers(min_value=-400 * 86400, max_value=400 * 86400), min_size=1, max_size=25),
    accounts=st.lists(st.sampled_from(["a", "b", "c", "fresh"]), min_size=2, max_size=2),
)
def test_no_order_of_event_times_makes_screening_fail(offsets: list[int], accounts: list[str]) -> None:
    """Whatever mix of early, late and far-ahead transfers arrives, no decision is an internal error."""
    for engine in ENGINES:
        ctx = context(engine)
        for n, offset in enumerate(offsets):
            at = NOW + timedelta(seconds=offset)
            decision = screen(transfer(f"t{n}", at, accounts[0], f"{accounts[1]}{n % 3}"), ctx, POLICY, NOW)
            assert SCREENING_ERROR not in {r.rule_id for r in decision.reasons}, decision.reasons
            assert (FUTURE_DATED in {r.rule_id for r in decision.reasons}) == (offset > POLICY.max_future_skew_s)
