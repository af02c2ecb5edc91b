"""FATF R.16 data completeness above the threshold, unhosted wallets with exposure, FATF country lists."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from schemas import Action, Party
from services.screener.bootstrap import build_context, load_jurisdictions, load_policy
from services.screener.domain.decide import screen
from services.screener.domain.watchlist import ListedWallet, WatchlistSnapshot
from tests.factories import transfer

NOW = datetime(2026, 11, 23, tzinfo=UTC)
POLICY = load_policy()
LISTED = "0x7f367cc41522ce07553e823bf3be79a889debe1b"
WATCHLIST = WatchlistSnapshot.build("wl-1", [ListedWallet(LISTED, "ETH", "OFAC SDN", "29584", "POTEKHIN", "CYBER2")])
COMPLETE_ORIGINATOR = Party(account_id="o-1", name="Ayesha Khan", id_number="35202-1234567-1", id_type="cnic")
COMPLETE_BENEFICIARY = Party(account_id="b-1", name="Bilal Ahmed", wallet_address="0x" + "c" * 40)


def _screen(**overrides: Any) -> Any:
    values: dict[str, Any] = {
        "originator": COMPLETE_ORIGINATOR,
        "beneficiary": COMPLETE_BENEFICIARY,
        "fiat_value": Decimal("1500"),
        "fiat_currency": "USD",
    }
    values.update(overrides)
    return screen(transfer(**values), build_context(POLICY, WATCHLIST), POLICY, NOW)


def test_complete_travel_rule_data_above_the_threshold_is_allowed() -> None:
    assert _screen().action == Action.ALLOW


def test_a_missing_originator_identifier_above_the_threshold_holds_and_says_what_is_missing() -> None:
    decision = _screen(originator=Party(account_id="o-1", name="Ayesha Khan"))
    assert decision.action == Action.HOLD
    (reason,) = decision.reasons
    assert reason.rule_id == "travel_rule.missing_data" and "national id" in reason.explanation
    assert reason.explanation.startswith("Above the 1,000 USD travel-rule threshold, required data is missing")
    assert "(originator: one of address, national id, customer id, or date and place of birth)" in reason.explanation
    assert reason.subjects == ("o-1", "b-1") and list(reason.evidence["missing"]) == ["originator"]


def test_a_value_in_a_currency_without_a_threshold_gets_the_rule_whatever_its_size() -> None:
    small_aed = {"fiat_value": Decimal("10"), "fiat_currency": "AED"}
    decision = _screen(originator=Party(account_id="o-1", name="Ayesha Khan"), **small_aed)
    assert decision.action == Action.HOLD
    (reason,) = decision.reasons
    assert reason.explanation.startswith("With no travel-rule threshold for AED in the policy, the rule applies")
    assert reason.evidence["currency"] == "AED" and reason.evidence["threshold"] is None
    assert _screen(**small_aed).action == Action.ALLOW  # complete data: nothing to hold


def test_a_date_of_birth_satisfies_the_originator_requirement_and_below_threshold_nothing_is_needed() -> None:
    assert _screen(originator=Party(account_id="o", name="A", date_of_birth=date(1990, 1, 2))).action == Action.ALLOW
    assert _screen(beneficiary=Party(account_id="b"), fiat_value=Decimal("999.99")).action == Action.ALLOW
    assert _screen(beneficiary=Party(account_id="b")).action == Action.HOLD


def test_an_unhosted_wallet_exposed_to_a_listed_one_is_flagged_and_a_clean_one_is_not() -> None:
    ctx = build_context(POLICY, WATCHLIST)
    small = {"fiat_value": Decimal("10"), "fiat_currency": "USD"}
    screen(
        transfer(
            originator=Party(account_id="listed", wallet_address=LISTED), beneficiary=Party(account_id="m"), **small
        ),
        ctx,
        POLICY,
        NOW,
    )
    screen(transfer(originator=Party(account_id="m"), beneficiary=Party(account_id="x"), **small), ctx, POLICY, NOW)
    exposed = screen(
        transfer(originator=Party(account_id="x", hosted=False), beneficiary=Party(account_id="y"), **small),
        ctx,
        POLICY,
        NOW,
    )
    (reason,) = [r for r in exposed.reasons if r.rule_id == "travel_rule.unhosted_exposure"]
    assert reason.explanation == "The originator uses an unhosted wallet 2 hops from a listed wallet."
    assert exposed.action in (Action.FLAG, Action.HOLD)
    clean = screen(
        transfer(originator=Party(account_id="z", hosted=False), beneficiary=Party(account_id="y2"), **small),
        ctx,
        POLICY,
        NOW,
    )
    assert clean.action == Action.ALLOW


def test_call_for_action_countries_hold_and_increased_monitoring_countries_flag() -> None:
    lists = load_jurisdictions()
    assert lists.as_of == "2026-06-19" and "KP" in lists.call_for_action and "VN" in lists.increased_monitoring
    assert len(lists.increased_monitoring) == 22 and {"KW", "PG", "BA", "IQ"} <= lists.increased_monitoring
    assert not {"DZ", "NA", "NG", "ZA"} & lists.increased_monitoring  # removed in 2025-2026
    ctx = build_context(POLICY, WATCHLIST, lists)
    iran = screen(transfer(beneficiary=Party(account_id="b", country="IR")), ctx, POLICY, NOW)
    assert iran.action == Action.HOLD and iran.reasons[0].rule_id == "jurisdiction.call_for_action"
    assert iran.reasons[0].evidence["fatf_list_as_of"] == "2026-06-19"
    assert iran.reasons[0].explanation.startswith("The beneficiary is in Iran (IR), which FATF lists as high-risk")
    grey = screen(transfer(originator=Party(account_id="o", country="VN")), ctx, POLICY, NOW)
    assert grey.action == Action.FLAG and grey.reasons[0].subjects == ("o",)
    assert screen(transfer(originator=Party(account_id="o", country="PK")), ctx, POLICY, NOW).action == Action.ALLOW
