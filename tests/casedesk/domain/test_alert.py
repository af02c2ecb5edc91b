"""Decisions and retro alerts as case alerts: which become work, and under which subject."""

from __future__ import annotations

import uuid

import pytest

from schemas import Action, AlertKind, Decision, Resolution
from services.casedesk.domain import alert as case_alert_module
from services.casedesk.domain.alert import AlertKind as CaseAlertKind
from services.casedesk.domain.alert import CaseAlert, ListedMatch
from services.screener.domain import exposure, rules, sanctions
from tests.casedesk.domain.builders import T0, decision, name_hit, reason, wallet_hit, wire_alert


def test_rule_ids_are_the_screeners() -> None:
    assert case_alert_module.SANCTIONS_NAME == sanctions.SANCTIONED_NAME
    assert case_alert_module.SANCTIONS_WALLET == rules.SANCTIONED_WALLET
    assert case_alert_module.DIRECT_EXPOSURE == exposure.DIRECT


def test_allow_raises_no_alert() -> None:
    assert CaseAlert.from_decision(decision("t-1", Action.ALLOW), "ex-1") is None


def test_a_resolution_raises_no_alert() -> None:
    held = decision("t-1", Action.HOLD, name_hit())
    resolved = decision(
        "t-1",
        Action.HOLD,
        name_hit(),
        decision_id=uuid.uuid4(),
        decided_by="sara",
        supersedes=held.decision_id,
        resolution=Resolution.RELEASE,
    )
    assert CaseAlert.from_decision(resolved, "ex-1") is None


@pytest.mark.parametrize(("action", "kind"), [(Action.HOLD, CaseAlertKind.HOLD), (Action.FLAG, CaseAlertKind.FLAG)])
def test_hold_and_flag_become_alerts(action: Action, kind: CaseAlertKind) -> None:
    made = CaseAlert.from_decision(decision("t-9", action, reason("graph.fan_in", "acct-5", "acct-6"), score=0.7), "ex")
    assert made is not None
    assert made.kind is kind
    assert made.alert_id == str(Decision.system_id("t-9"))
    assert (made.transfer_id, made.exchange_id, made.score, made.raised_at) == ("t-9", "ex", 0.7, T0)
    assert made.rule_ids == ("graph.fan_in",)
    assert made.subject == "account:acct-5"
    assert made.subjects == ("account:acct-5", "account:acct-6")


def test_a_sanctions_hit_is_grouped_by_its_list_entry() -> None:
    made = CaseAlert.from_decision(
        decision("t-1", Action.HOLD, reason("graph.exposure.direct", "acct-7", "acct-1"), name_hit("un:B", "acct-1")),
        "ex-1",
    )
    assert made is not None
    assert made.subject == "entry:un:B"
    assert made.rule_ids == ("graph.exposure.direct", "sanctions.name")
    assert made.subjects == ("entry:un:B", "account:acct-7", "account:acct-1")
    assert made.matches == (ListedMatch("sanctions.name", "un:B", "acct-1", "Ali Khan"),)


def test_the_smallest_entry_key_is_the_subject_whatever_the_reason_order() -> None:
    # A release proposal lists its keys sorted; the hold it releases must have the same subject.
    made = CaseAlert.from_decision(decision("t-1", Action.HOLD, name_hit("un:Z"), wallet_hit("ofac:A")), "ex-1")
    assert made is not None
    assert made.subject == "entry:ofac:A"
    proposal = CaseAlert.from_alert(wire_alert(AlertKind.RELEASE_PROPOSAL, "ofac:A,un:Z", ("t-1",), (), None))
    assert proposal.subject == made.subject


def test_wallets_are_named_with_their_prefix() -> None:
    made = CaseAlert.from_decision(decision("t-1", Action.HOLD, wallet_hit("ofac:9", "acct-1", "0xdead")), "ex-1")
    assert made is not None
    assert made.subjects == ("entry:ofac:9", "account:acct-1", "wallet:0xdead")


def test_a_wallet_is_the_subject_when_no_account_is_named() -> None:
    made = CaseAlert.from_decision(decision("t-1", Action.HOLD, reason("wallet.checksum", wallet_address="0xAb")), "e")
    assert made is not None
    assert made.subject == "wallet:0xAb"


def test_a_hold_naming_nobody_stands_alone_under_its_transfer() -> None:
    made = CaseAlert.from_decision(decision("t-bad", Action.HOLD, reason("system.invalid_transfer")), "ex-1")
    assert made is not None
    assert made.subject == "transfer:t-bad"
    assert made.held_transfer_ids == ("t-bad",)


def test_a_flag_holds_nothing() -> None:
    made = CaseAlert.from_decision(decision("t-1", Action.FLAG, reason("graph.fan_in", "a")), "ex-1")
    assert made is not None
    assert made.held_transfer_ids == ()


def test_retro_name_hit() -> None:
    wire = wire_alert(AlertKind.RETRO_HIT, "un:Q", ("t-a", "t-b"), ("acct-1",), 0.88)
    made = CaseAlert.from_alert(wire)
    assert made.alert_id == str(wire.alert_id)
    assert made.kind is CaseAlertKind.RETRO_HIT
    assert (made.transfer_id, made.exchange_id, made.score) == (None, None, 0.88)
    assert made.rule_ids == ("sanctions.name",)
    assert made.subject == "entry:un:Q"
    assert made.subjects == ("entry:un:Q", "account:acct-1")
    assert made.related_transfer_ids == ("t-a", "t-b")
    assert made.held_transfer_ids == ()  # those transfers settled long ago
    assert made.matches == (ListedMatch("sanctions.name", "un:Q", "acct-1", "Ali Khan"),)


def test_retro_wallet_hit_is_exact() -> None:
    made = CaseAlert.from_alert(wire_alert(AlertKind.RETRO_HIT, "ofac:7", score=None))
    assert made.rule_ids == ("sanctions.wallet",)
    assert made.score == 1.0


def test_release_proposal_names_the_held_transfer() -> None:
    made = CaseAlert.from_alert(wire_alert(AlertKind.RELEASE_PROPOSAL, "un:Q", ("t-held",), (), None))
    assert made.kind is CaseAlertKind.RELEASE_PROPOSAL
    assert made.transfer_id == "t-held"
    assert made.held_transfer_ids == ("t-held",)
    assert (made.rule_ids, made.score, made.matches) == ((), 0.0, ())
    assert made.subject == "entry:un:Q"


def test_release_proposal_with_several_transfers_holds_them_all() -> None:
    made = CaseAlert.from_alert(wire_alert(AlertKind.RELEASE_PROPOSAL, "un:Q", ("t-1", "t-2"), (), None))
    assert made.held_transfer_ids == ("t-1", "t-2")
