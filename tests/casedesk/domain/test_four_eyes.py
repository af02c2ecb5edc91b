"""Which actions need a maker and a different checker, and who may check."""

from __future__ import annotations

import pytest

from schemas import Action, AlertKind
from services.casedesk.domain.alert import CaseAlert
from services.casedesk.domain.four_eyes import (
    Proposal,
    checker_refusal,
    name_matches,
    needs_four_eyes,
    releases_need_four_eyes,
)
from services.casedesk.domain.officer import Actor, CaseAction, Role
from tests.casedesk.domain.builders import (
    ADMIN,
    ANALYST,
    EXCHANGE,
    REGULATOR,
    SENIOR,
    SENIOR_2,
    T0,
    case_alert,
    flag,
    name_hit,
    plain_hold,
    reason,
    sanctions_hold,
    wallet_hit,
    wire_alert,
)


@pytest.mark.parametrize(
    "held",
    [
        case_alert("t-1", Action.HOLD, name_hit()),
        case_alert("t-1", Action.HOLD, wallet_hit()),
        case_alert("t-1", Action.HOLD, reason("graph.exposure.direct", "acct-1", "acct-2")),
    ],
    ids=["sanctions.name", "sanctions.wallet", "graph.exposure.direct"],
)
def test_releasing_a_list_hold_needs_four_eyes(held: CaseAlert) -> None:
    assert needs_four_eyes(CaseAction.RELEASE, [held])
    assert needs_four_eyes(CaseAction.CLOSE_FALSE_POSITIVE, [held])


def test_releasing_other_holds_needs_one_officer() -> None:
    assert not needs_four_eyes(CaseAction.RELEASE, [plain_hold()])
    assert not needs_four_eyes(CaseAction.RELEASE, [case_alert("t-1", Action.HOLD, reason("graph.exposure.indirect"))])


def test_a_delisting_release_needs_four_eyes() -> None:
    proposal = CaseAlert.from_alert(wire_alert(AlertKind.RELEASE_PROPOSAL, transfer_ids=("t-1",), subjects=()))
    assert releases_need_four_eyes([proposal])
    assert needs_four_eyes(CaseAction.RELEASE, [proposal])


def test_a_list_hit_anywhere_in_the_case_makes_release_a_sanctions_decision() -> None:
    retro = CaseAlert.from_alert(wire_alert(AlertKind.RETRO_HIT, score=None))
    assert needs_four_eyes(CaseAction.RELEASE, [plain_hold(), retro])


@pytest.mark.parametrize("action", [CaseAction.FREEZE, CaseAction.UNFREEZE, CaseAction.MARK_STR])
def test_some_actions_always_need_four_eyes(action: CaseAction) -> None:
    assert needs_four_eyes(action, [flag()])
    assert needs_four_eyes(action, [])


@pytest.mark.parametrize(
    "action",
    [CaseAction.REJECT, CaseAction.ASSIGN, CaseAction.COMMENT, CaseAction.ESCALATE, CaseAction.APPROVE],
)
def test_actions_that_need_one_officer_even_on_a_sanctions_hold(action: CaseAction) -> None:
    assert not needs_four_eyes(action, [sanctions_hold()])


def test_closing_a_flag_needs_one_officer() -> None:
    assert not needs_four_eyes(CaseAction.CLOSE_FALSE_POSITIVE, [flag()])


def test_closing_a_name_match_as_false_positive_needs_four_eyes_even_without_holds() -> None:
    retro = CaseAlert.from_alert(wire_alert(AlertKind.RETRO_HIT, score=0.9))
    assert needs_four_eyes(CaseAction.CLOSE_FALSE_POSITIVE, [retro])


def test_closing_a_wallet_hold_suppresses_nothing_but_still_releases_under_four_eyes() -> None:
    held = case_alert("t-1", Action.HOLD, wallet_hit())
    assert name_matches([held]) == ()
    assert needs_four_eyes(CaseAction.CLOSE_FALSE_POSITIVE, [held])


def test_name_matches_are_one_per_entry_and_party() -> None:
    alerts = [sanctions_hold("t-1", "un:A"), sanctions_hold("t-2", "un:A"), sanctions_hold("t-3", "un:B")]
    assert [(m.entry_key, m.account_id) for m in name_matches(alerts)] == [("un:A", "acct-1"), ("un:B", "acct-1")]
    assert name_matches([case_alert("t-1", Action.HOLD, wallet_hit())]) == ()


PROPOSAL = Proposal(CaseAction.RELEASE, "sara", Role.SENIOR, T0, ("a-1",))


@pytest.mark.parametrize("checker", [SENIOR_2, ADMIN])
def test_a_different_senior_or_admin_may_check(checker: Actor) -> None:
    assert checker_refusal(PROPOSAL, checker) is None


@pytest.mark.parametrize("checker", [ANALYST, REGULATOR, EXCHANGE])
def test_other_roles_may_not_check(checker: Actor) -> None:
    assert "only a senior officer or an admin" in (checker_refusal(PROPOSAL, checker) or "")


@pytest.mark.parametrize("name", ["sara", "Sara", " SARA "])
def test_the_maker_may_not_check_under_any_spelling(name: str) -> None:
    assert SENIOR.name == "sara"
    assert "cannot check it" in (checker_refusal(PROPOSAL, Actor(name, Role.SENIOR)) or "")


def test_an_unnamed_checker_is_refused() -> None:
    assert checker_refusal(PROPOSAL, Actor("  ", Role.SENIOR)) is not None
