from collections.abc import Iterator
from datetime import UTC, datetime

from schemas import Action, Decision, TransferEvent
from services.screener.bootstrap import load_policy
from services.screener.domain.decide import SCREENING_ERROR, Policy, screen
from services.screener.domain.rules import (
    RULES,
    SANCTIONED_WALLET,
    WALLET_CHECKSUM,
    WATCHLIST_UNAVAILABLE,
    Hit,
    ScreeningContext,
)
from services.screener.domain.watchlist import ListedWallet, WatchlistSnapshot
from tests.factories import party, transfer

LISTED = "0x7F367cc41522ce07553e823bf3be79a889debe1b"
WATCHLIST = WatchlistSnapshot.build(
    "wl-1", [ListedWallet(LISTED, "ETH", "OFAC SDN", "29584", "POTEKHIN, Danil", "CYBER2")]
)
CTX = ScreeningContext(watchlist=WATCHLIST)
POLICY = Policy(version="p-1")
NOW = datetime(2026, 11, 23, tzinfo=UTC)


def test_clean_transfer_is_allowed_with_versions_recorded() -> None:
    decision = screen(transfer(), CTX, POLICY, NOW)
    assert decision.action == Action.ALLOW and decision.reasons == ()
    assert (decision.policy_version, decision.watchlist_version) == ("p-1", "wl-1")
    assert decision.decision_id == Decision.system_id(decision.transfer_id)


def test_listed_beneficiary_wallet_in_any_case_is_held_with_the_entry_cited() -> None:
    event = transfer(beneficiary=party("ext-1", wallet_address=LISTED.lower(), hosted=False))
    decision = screen(event, CTX, POLICY, NOW)
    assert decision.action == Action.HOLD
    (reason,) = decision.reasons
    assert reason.rule_id == SANCTIONED_WALLET
    assert reason.evidence["entry_id"] == "29584" and reason.evidence["list"] == "OFAC SDN"
    assert reason.subjects == ("ext-1",)
    assert "beneficiary" in reason.explanation


def test_an_address_listed_for_several_tokens_gives_one_reason_per_entry() -> None:
    again = [ListedWallet(LISTED, t, "OFAC SDN", "29584", "POTEKHIN, Danil", "CYBER2") for t in ("ETH", "USDT", "USDC")]
    other = ListedWallet(LISTED, "ETH", "OFAC SDN", "777", "OTHER, Entry", "CYBER2", "ofac-sdn:777")
    ctx = ScreeningContext(WatchlistSnapshot.build("wl-2", [*again, other]), POLICY)
    decision = screen(transfer(beneficiary=party("ext-1", wallet_address=LISTED, hosted=False)), ctx, POLICY, NOW)
    reasons = [r for r in decision.reasons if r.rule_id == SANCTIONED_WALLET]
    assert [(r.evidence["entry_id"], r.evidence["tickers"]) for r in reasons] == [
        ("29584", ["ETH", "USDT", "USDC"]),
        ("777", ["ETH"]),
    ]
    assert "for ETH, USDT, USDC" in reasons[0].explanation


def test_listed_originator_is_held_too() -> None:
    event = transfer(originator=party("acct-x", wallet_address=LISTED))
    assert screen(event, CTX, POLICY, NOW).action == Action.HOLD


def test_a_failing_rule_holds_the_transfer_instead_of_raising() -> None:
    def broken(_: TransferEvent, __: ScreeningContext) -> Iterator[Hit]:
        raise KeyError("boom")
        yield  # pragma: no cover

    decision = screen(transfer(), CTX, POLICY, NOW, rules=(*RULES, broken))
    assert decision.action == Action.HOLD
    assert decision.reasons[0].rule_id == SCREENING_ERROR
    assert decision.reasons[0].evidence["error"] == "KeyError"


def test_missing_watchlist_holds_everything() -> None:
    ctx = ScreeningContext(watchlist=WatchlistSnapshot.unavailable("file not found"))
    decision = screen(transfer(), ctx, POLICY, NOW)
    assert decision.action == Action.HOLD
    assert decision.reasons[0].rule_id == WATCHLIST_UNAVAILABLE


def test_score_bands_apply_when_nothing_is_forced() -> None:
    def weighted(weight: float):  # type: ignore[no-untyped-def]
        def rule(t: TransferEvent, _: ScreeningContext) -> Iterator[Hit]:
            yield Hit("test.weighted", "weighted", severity="low", weight=weight)  # type: ignore[arg-type]

        return rule

    assert screen(transfer(), CTX, POLICY, NOW, rules=(weighted(0.49),)).action == Action.ALLOW
    assert screen(transfer(), CTX, POLICY, NOW, rules=(weighted(0.5),)).action == Action.FLAG
    assert screen(transfer(), CTX, POLICY, NOW, rules=(weighted(1.2),)).action == Action.HOLD


def test_a_mistyped_evm_checksum_holds_under_the_default_policy_and_names_the_right_spelling() -> None:
    policy = load_policy()
    good = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    typo = good[:3] + good[3].swapcase() + good[4:]
    ctx = ScreeningContext(watchlist=WATCHLIST, policy=policy)
    clean = screen(transfer(beneficiary=party("acct-b", wallet_address=good)), ctx, policy, NOW)
    assert WALLET_CHECKSUM not in {r.rule_id for r in clean.reasons}
    held = screen(transfer(beneficiary=party("acct-b", wallet_address=typo)), ctx, policy, NOW)
    assert held.action == Action.HOLD
    (reason,) = [r for r in held.reasons if r.rule_id == WALLET_CHECKSUM]
    assert reason.subjects == ("acct-b",) and reason.evidence["eip55"] == good
    assert "beneficiary" in reason.explanation


def test_a_listed_wallet_with_a_broken_checksum_is_still_found() -> None:
    policy = Policy.parse(
        {
            "version": "p-2",
            "bands": {"flag": 0.5, "hold": 4.0},
            "graph": {"window_days": 30},
            "rules": {"wallet.checksum": {"weight": 0.5, "forced": "hold"}},
        }
    )
    ctx = ScreeningContext(watchlist=WATCHLIST, policy=policy)
    decision = screen(transfer(beneficiary=party("ext-1", wallet_address=LISTED, hosted=False)), ctx, policy, NOW)
    assert decision.action == Action.HOLD
    assert [r.rule_id for r in decision.reasons] == [SANCTIONED_WALLET, WALLET_CHECKSUM]
