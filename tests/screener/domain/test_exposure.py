"""Direct and indirect exposure to listed wallets, traced forward through the graph."""

from __future__ import annotations

from schemas import Party
from services.screener.domain.hit import Hit
from services.screener.domain.policy import Policy
from services.screener.domain.watchlist import ListedWallet, WatchlistSnapshot
from tests.screener.domain.patterns import Both, event

LISTED = "0x7f367cc41522ce07553e823bf3be79a889debe1b"
WATCHLIST = WatchlistSnapshot.build("wl-1", [ListedWallet(LISTED, "ETH", "OFAC SDN", "29584", "POTEKHIN", "CYBER2")])


def _policy(max_hops: int = 3, min_share: float = 0.1) -> Policy:
    return Policy.parse(
        {
            "version": "t",
            "bands": {"flag": 0.5, "hold": 1.0},
            "graph": {"window_days": 30},
            "rules": {
                "graph.exposure.direct": {"weight": 1.0, "forced": "hold"},
                "graph.exposure.indirect": {"weight": 0.5, "max_hops": max_hops, "min_share": min_share},
            },
        }
    )


def _feed(policy: Policy, steps: list[tuple[str, str, float]]) -> list[Hit]:
    screen = Both(policy)
    hits: list[Hit] = []
    for n, (src, dst, amount) in enumerate(steps):
        transfer = event(src, dst, amount, n, n)
        if src == "listed":
            transfer = transfer.model_copy(update={"originator": Party(account_id=src, wallet_address=LISTED)})
        hits = screen.observe(transfer, WATCHLIST)
    return hits


def test_paying_out_of_a_listed_wallet_is_direct_exposure_and_forces_hold() -> None:
    (hit,) = _feed(_policy(), [("listed", "a", 100)])
    assert hit.rule_id == "graph.exposure.direct" and hit.forced == "hold"
    assert hit.subjects == ("listed", "a")


def test_funds_three_hops_from_a_listed_wallet_are_indirect_exposure_with_the_share() -> None:
    (hit,) = _feed(_policy(), [("listed", "a", 100), ("clean", "b", 100), ("a", "b", 100), ("b", "c", 100)])
    assert hit.rule_id == "graph.exposure.indirect"
    assert hit.evidence["hops"] == 3 and hit.evidence["listed_source"] == "listed"
    assert hit.evidence["share"] == 0.5  # b got half its inflow from a, so c's 100 is half tainted
    assert hit.subjects[0] == "c" and "listed" in hit.subjects


def test_exposure_beyond_the_hop_limit_or_below_the_share_stays_quiet() -> None:
    chain = [("listed", "a", 100), ("a", "b", 100), ("b", "c", 100), ("c", "d", 100)]
    assert _feed(_policy(max_hops=2), chain) == []
    diluted = [("listed", "a", 100), ("clean", "b", 900), ("a", "b", 100), ("b", "c", 100)]
    assert _feed(_policy(min_share=0.5), diluted) == []
