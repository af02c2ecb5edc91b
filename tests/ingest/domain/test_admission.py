"""The admission rules on their own: event time against a given clock, and id namespaces."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.ingest.domain.admission import AdmissionRules, event_time_refusal, id_scope_refusal, refusals
from tests.factories import transfer

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SKEW = timedelta(seconds=300)
AGE = timedelta(days=3650)


def test_times_within_the_skew_and_the_age_are_admitted_up_to_the_limits() -> None:
    for at in (NOW, NOW + SKEW, NOW - AGE, NOW - timedelta(days=1), NOW + timedelta(seconds=299)):
        assert event_time_refusal(at, NOW, SKEW, AGE) is None, at


def test_a_time_past_the_skew_is_refused_saying_how_far_ahead_and_the_limit() -> None:
    refusal = event_time_refusal(NOW + timedelta(hours=1), NOW, SKEW, AGE)
    assert refusal is not None and refusal.field == "occurred_at"
    assert refusal.message.startswith("1.0 h ahead of the ingest clock")
    assert refusal.message.endswith("the limit is 300 s ahead")
    just_over = event_time_refusal(NOW + SKEW + timedelta(seconds=1), NOW, SKEW, AGE)
    assert just_over is not None and just_over.message.startswith("301 s ahead")


def test_a_time_older_than_the_age_is_refused_saying_how_far_behind_and_the_limit() -> None:
    refusal = event_time_refusal(NOW - AGE - timedelta(days=2), NOW, SKEW, AGE)
    assert refusal is not None and refusal.field == "occurred_at"
    assert refusal.message.startswith("3652.0 days behind the ingest clock")
    assert refusal.message.endswith("the limit is 3650 days behind")


def test_the_clock_is_the_one_passed_in() -> None:
    # The same event is fine against one clock and refused against another: nothing reads the real time.
    at = datetime(2030, 1, 1, tzinfo=UTC)
    assert event_time_refusal(at, NOW, SKEW, AGE) is not None
    assert event_time_refusal(at, at - timedelta(seconds=10), SKEW, AGE) is None


@pytest.mark.parametrize("separator", list(":-_/."))
def test_an_id_in_the_exchanges_namespace_is_admitted(separator: str) -> None:
    assert id_scope_refusal(f"exA{separator}t1", "exA") is None


@pytest.mark.parametrize("transfer_id", ["t1", "exB:t1", "exAt1", "exA:", "exA", "xexA:t1", "exa:t1"])
def test_an_id_outside_the_exchanges_namespace_is_refused(transfer_id: str) -> None:
    refusal = id_scope_refusal(transfer_id, "exA")
    assert refusal is not None and refusal.field == "transfer_id"
    assert "'exA'" in refusal.message


def test_an_id_in_a_longer_exchanges_namespace_is_not_a_shorter_ones() -> None:
    known = {"rupee", "rupee-vx"}
    # "rupee-vx:1" starts with "rupee-", but it is rupee-vx's id.
    stolen = id_scope_refusal("rupee-vx:1", "rupee", known)
    assert stolen is not None and "rupee-vx" not in stolen.message
    assert id_scope_refusal("rupee-vx:1", "rupee-vx", known) is None
    assert id_scope_refusal("rupee-1", "rupee", known) is None


def test_refusals_apply_the_prefix_rule_only_when_required() -> None:
    rules = AdmissionRules(SKEW, AGE, require_id_prefix=True)
    event = transfer(transfer_id="t1", exchange_id="exA", occurred_at=NOW + timedelta(days=1))
    assert {r.field for r in refusals(event, NOW, rules)} == {"occurred_at", "transfer_id"}
    relaxed = AdmissionRules(SKEW, AGE, require_id_prefix=False)
    assert [r.field for r in refusals(event, NOW, relaxed)] == ["occurred_at"]
    fine = transfer(transfer_id="exA:t1", exchange_id="exA", occurred_at=NOW)
    assert refusals(fine, NOW, rules) == []
