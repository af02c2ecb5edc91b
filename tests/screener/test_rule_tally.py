"""Per-rule counts of a backtest: transfers fired on, held and flagged among them, accounts named."""

from __future__ import annotations

from schemas import Action, Decision, Reason, Severity
from services.screener.rule_tally import RuleTally
from tests import factories


def _decision(transfer_id: str, action: Action, *reasons: tuple[str, tuple[str, ...]]) -> Decision:
    return factories.decision(
        transfer_id,
        action,
        tuple(Reason(rule_id=r, explanation="x", severity=Severity.MEDIUM, subjects=who) for r, who in reasons),
    )


def test_counts_transfers_outcomes_and_distinct_accounts_per_rule() -> None:
    decisions = [
        _decision("t1", Action.FLAG, ("graph.fan_in", ("hub", "a", "b")), ("graph.pass_through", ("a", "hub"))),
        _decision("t2", Action.FLAG, ("graph.fan_in", ("hub", "c"))),
        _decision("t3", Action.ALLOW, ("graph.pass_through", ("x", "y"))),
        # Two listed entries on one transfer: two reasons, one transfer.
        _decision("t4", Action.HOLD, ("sanctions.wallet", ("ext-1",)), ("sanctions.wallet", ("ext-1",))),
        _decision("t5", Action.ALLOW),
    ]
    tally, empty = RuleTally(), RuleTally()
    for decision in decisions:
        tally.add(decision)
    rows = {r.rule_id: (r.transfers, r.held, r.flagged, sorted(r.accounts)) for r in tally.rows()}
    assert rows == {
        "graph.fan_in": (2, 0, 2, ["a", "b", "c", "hub"]),
        "graph.pass_through": (2, 0, 1, ["a", "hub", "x", "y"]),
        "sanctions.wallet": (1, 1, 0, ["ext-1"]),
    }
    assert [r.rule_id for r in tally.rows()] == ["graph.fan_in", "graph.pass_through", "sanctions.wallet"]
    assert tally.actions == {"allow": 2, "flag": 2, "hold": 1}
    assert empty.rows() == [] and empty.actions == {"allow": 0, "flag": 0, "hold": 0}
