"""The shortcuts on the screening hot path give exactly what the plain code gives."""

from __future__ import annotations

from collections import deque
from datetime import UTC, datetime, timedelta, timezone

import pytest

from schemas import Action, Decision
from services.screener.domain.decide import _quiet_decision
from services.screener.domain.graph import Edge, newest, recent


def _validated(transfer_id: str, action: Action, decided_at: datetime) -> Decision:
    return Decision(
        decision_id=Decision.system_id(transfer_id),
        transfer_id=transfer_id,
        action=action,
        score=0.0,
        reasons=(),
        policy_version="policy-1",
        watchlist_version="lists-1",
        decided_at=decided_at,
    )


def test_a_decision_without_reasons_equals_the_validated_one_batch_after_batch() -> None:
    first = datetime(2026, 1, 1, 5, tzinfo=timezone(timedelta(hours=5)))
    for decided_at in (first, first, datetime.now(UTC)):
        for transfer_id, action in (("t1", Action.ALLOW), ("t2", Action.ALLOW), ("t" * 128, Action.FLAG)):
            quiet = _quiet_decision(transfer_id, action, 0.0, "policy-1", "lists-1", decided_at)
            expected = _validated(transfer_id, action, decided_at)
            assert quiet == expected and quiet is not None
            assert quiet.model_fields_set == expected.model_fields_set
            assert quiet.model_dump_json() == expected.model_dump_json()
            assert quiet.decided_at.tzinfo is UTC


@pytest.mark.parametrize("transfer_id", [" t", "t ", "tötö", "t" * 129, ""])
def test_an_unusual_transfer_id_is_left_to_validation(transfer_id: str) -> None:
    assert _quiet_decision(transfer_id, Action.ALLOW, 0.0, "policy-1", "lists-1", datetime.now(UTC)) is None


def test_a_naive_decision_time_is_still_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        _quiet_decision("t-naive", Action.ALLOW, 0.0, "policy-1", "lists-1", datetime(2026, 1, 1))


def test_newest_lists_what_recent_yields() -> None:
    # Out of time order on purpose: a late edge stops the scan in both.
    times = [1.0, 2.0, 3.0, 0.5, 4.0, 5.0, 6.0]
    edges = deque(Edge(f"t{i}", "a", "b", 1.0, ts) for i, ts in enumerate(times))
    for since in (0.0, 0.7, 2.5, 5.5, 7.0):
        for limit in (0, 1, 3, 64):
            assert newest(edges, since, limit) == list(recent(edges, since, limit))
