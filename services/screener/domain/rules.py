"""Screening rules: small pure functions with a stable id and a one-line analyst explanation.

Each rule looks at one transfer and the context it is screened in and returns zero or more
`Hit`s. Names, graph heuristics, travel rule and jurisdiction rules join the `RULES` registry
as they are built; `decide.py` turns hits into one decision.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from schemas import Action, Severity, TransferEvent
from services.screener.domain.graph_screen import GraphStage
from services.screener.domain.hit import Hit
from services.screener.domain.jurisdiction import JurisdictionLists, jurisdiction_risk
from services.screener.domain.policy import Policy
from services.screener.domain.sanctions import sanctioned_name
from services.screener.domain.suppressions import NO_SUPPRESSIONS, Suppressions
from services.screener.domain.travel_rule import missing_travel_data, unhosted_exposure
from services.screener.domain.wallets import checksum_mismatch
from services.screener.domain.watchlist import ListedWallet, WatchlistSnapshot

__all__ = ["RULES", "Hit", "Rule", "ScreeningContext"]


@dataclass(frozen=True, slots=True)
class ScreeningContext:
    """Everything a rule may look at besides the transfer; rules read their thresholds from `policy`."""

    watchlist: WatchlistSnapshot
    policy: Policy | None = None
    graph: GraphStage | None = None
    jurisdictions: JurisdictionLists | None = None
    suppressions: Suppressions = NO_SUPPRESSIONS
    """False-positive name matches officers cleared (adapters/suppression_feed.py swaps them in)."""


Rule = Callable[[TransferEvent, ScreeningContext], Iterator[Hit]]

SANCTIONED_WALLET = "sanctions.wallet"


def sanctioned_wallet(transfer: TransferEvent, ctx: ScreeningContext) -> Iterator[Hit]:
    """A party's wallet is a digital currency address on a sanctions list."""
    if transfer.originator.wallet_address is None and transfer.beneficiary.wallet_address is None:
        return  # the common case for exchange-internal accounts: no address to look up
    for role, party in (("originator", transfer.originator), ("beneficiary", transfer.beneficiary)):
        # A list often names one address several times, once per token it holds (OFAC lists an EVM
        # address under ETH, USDT and USDC): one reason per entry and address, with all its tickers.
        hits = ctx.watchlist.wallet_hits(party.wallet_address)
        if not hits:
            continue
        grouped: dict[tuple[str, str, str], tuple[ListedWallet, list[str]]] = {}
        for listed in hits:
            key = (listed.list_name, listed.entry_id, listed.address)
            grouped.setdefault(key, (listed, []))[1].append(listed.ticker)
        for listed, tickers in grouped.values():
            yield Hit(
                rule_id=SANCTIONED_WALLET,
                explanation=(
                    f"The {role}'s wallet is listed on {listed.list_name} "
                    f"(entry {listed.entry_id}, {listed.entry_name}; for {', '.join(tickers)})."
                ),
                severity=Severity.CRITICAL,
                weight=1.0,
                forced=Action.HOLD,
                evidence={
                    "role": role,
                    "wallet_address": party.wallet_address,
                    "listed_address": listed.address,
                    "tickers": tickers,
                    "list": listed.list_name,
                    "entry_id": listed.entry_id,
                    "entry_key": listed.entry_key,
                    "entry_name": listed.entry_name,
                    "programme": listed.programme,
                    "watchlist_version": ctx.watchlist.version,
                },
                subjects=(party.account_id,),
            )


WALLET_CHECKSUM = "wallet.checksum"


def wallet_checksum(transfer: TransferEvent, ctx: ScreeningContext) -> Iterator[Hit]:
    """A party's EVM wallet is written in mixed case and fails its EIP-55 checksum: a mistyped address."""
    if transfer.originator.wallet_address is None and transfer.beneficiary.wallet_address is None:
        return
    settings = ctx.policy.rule(WALLET_CHECKSUM) if ctx.policy is not None else None
    if settings is None:
        return
    for role, party in (("originator", transfer.originator), ("beneficiary", transfer.beneficiary)):
        if party.wallet_address is None or (expected := checksum_mismatch(party.wallet_address)) is None:
            continue
        yield Hit(
            rule_id=WALLET_CHECKSUM,
            explanation=(
                f"The {role}'s wallet {party.wallet_address} fails its EIP-55 checksum (it would be spelled "
                f"{expected}): the address is probably mistyped; confirm it with the customer."
            ),
            severity=Severity.MEDIUM,
            weight=settings.weight,
            forced=settings.forced,
            evidence={"role": role, "wallet_address": party.wallet_address, "eip55": expected},
            subjects=(party.account_id,),
        )


WATCHLIST_UNAVAILABLE = "system.watchlist_unavailable"


def watchlist_unavailable(transfer: TransferEvent, ctx: ScreeningContext) -> Iterator[Hit]:
    """The sanctions lists could not be loaded, so no transfer can be cleared."""
    if ctx.watchlist.load_error is not None:
        yield Hit(
            rule_id=WATCHLIST_UNAVAILABLE,
            explanation="The sanctions lists failed to load; the transfer is held until they are back.",
            severity=Severity.HIGH,
            weight=0.0,
            forced=Action.HOLD,
            evidence={"error": ctx.watchlist.load_error},
            subjects=(transfer.originator.account_id, transfer.beneficiary.account_id),
        )


def graph_patterns(transfer: TransferEvent, ctx: ScreeningContext) -> Iterator[Hit]:
    """Laundering patterns around this transfer in the transfer graph (see graph_screen.py)."""
    if ctx.graph is not None:
        yield from ctx.graph.observe(transfer, ctx.watchlist)


def travel_rule(transfer: TransferEvent, ctx: ScreeningContext) -> Iterator[Hit]:
    """FATF R.16 data completeness above the threshold, and unhosted wallets with exposure."""
    yield from missing_travel_data(transfer, ctx.policy)
    yield from unhosted_exposure(transfer, ctx.policy, ctx.graph)


def jurisdiction(transfer: TransferEvent, ctx: ScreeningContext) -> Iterator[Hit]:
    """A party is in a FATF-listed jurisdiction."""
    yield from jurisdiction_risk(transfer, ctx.jurisdictions, ctx.policy)


# Sanctions first, so their reasons lead the decision. The graph stage comes before the rules
# that read its state (unhosted exposure); if a rule before it raises, the transfer is held and
# stays out of the graph, in the stream and the backtest alike, so decisions stay reproducible.
RULES: tuple[Rule, ...] = (
    watchlist_unavailable,
    sanctioned_wallet,
    sanctioned_name,
    wallet_checksum,
    graph_patterns,
    travel_rule,
    jurisdiction,
)
