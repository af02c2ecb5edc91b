"""Priority (holds first, then list hits, then flags by score) and the SLA due times it sets."""

from __future__ import annotations

from datetime import timedelta

import pytest

from schemas import AlertKind
from services.casedesk.domain.alert import CaseAlert
from services.casedesk.domain.priority import DEFAULT_SLA_HOURS, HIGH_SCORE, Priority, due_at, priority
from tests.casedesk.domain.builders import T0, flag, plain_hold, sanctions_hold, wire_alert


def test_a_hold_is_most_urgent_whatever_its_score() -> None:
    assert priority([flag(score=9.0), plain_hold()]) == 1
    assert priority([sanctions_hold()]) is Priority.FUNDS_WAITING


def test_a_release_proposal_means_funds_are_waiting() -> None:
    proposal = CaseAlert.from_alert(wire_alert(AlertKind.RELEASE_PROPOSAL, transfer_ids=("t-1",), subjects=()))
    assert priority([proposal]) is Priority.FUNDS_WAITING


def test_a_retro_hit_comes_before_any_flag() -> None:
    retro = CaseAlert.from_alert(wire_alert(AlertKind.RETRO_HIT, score=0.81))
    assert priority([retro, flag(score=50.0)]) is Priority.LISTED_PARTY


@pytest.mark.parametrize(
    ("score", "expected"),
    [(HIGH_SCORE, Priority.HIGH_SCORE), (HIGH_SCORE + 2, Priority.HIGH_SCORE), (HIGH_SCORE - 0.01, Priority.ROUTINE)],
)
def test_flags_are_ordered_by_score(score: float, expected: Priority) -> None:
    assert priority([flag(score=score)]) is expected


def test_the_most_urgent_alert_decides() -> None:
    assert priority([flag(score=0.5), flag("t-4", score=1.5)]) is Priority.HIGH_SCORE


def test_an_empty_case_is_routine() -> None:
    assert priority([]) is Priority.ROUTINE


def test_lower_number_sorts_first() -> None:
    assert sorted([Priority.ROUTINE, Priority.FUNDS_WAITING, Priority.HIGH_SCORE])[0] is Priority.FUNDS_WAITING


@pytest.mark.parametrize(("level", "hours"), [(1, 4.0), (2, 12.0), (3, 120.0), (4, 720.0)])
def test_due_at_adds_the_sla_of_the_priority(level: int, hours: float) -> None:
    assert DEFAULT_SLA_HOURS[level] == hours
    assert due_at(T0, level, DEFAULT_SLA_HOURS) == T0 + timedelta(hours=hours)


def test_fractional_hours() -> None:
    assert due_at(T0, 1, {1: 0.25}) == T0 + timedelta(minutes=15)


def test_an_unconfigured_priority_gets_the_shortest_sla() -> None:
    assert due_at(T0, 3, {1: 2.0, 4: 100.0}) == T0 + timedelta(hours=2)


@pytest.mark.parametrize("bad", [{}, {1: -1.0}, {1: float("nan")}])
def test_bad_sla_configuration_is_refused(bad: dict[int, float]) -> None:
    with pytest.raises(ValueError, match=r"sla|SLA"):
        due_at(T0, 1, bad)
