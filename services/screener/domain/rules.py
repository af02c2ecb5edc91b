"""Screening rules: small pure functions with a stable id and a one-line analyst explanation.

Each rule looks at one transfer and the context it is screened in and returns zero or more
`Hit`s. Names, graph heuristics, travel rule and jurisdiction rules join the `RULES` registry
as they are built; `decide.py` turns hits into one decision.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from schemas import Action, Severity, TransferEvent
from services.screener.domain.watchlist import WatchlistSnapshot


@dataclass(frozen=True, slots=True)
class Hit:
    """What one rule found; `forced` is an outcome no score may override."""

    rule_id: str
    explanation: str
    severity: Severity
    weight: float
    forced: Action | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    subjects: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ScreeningContext:
    watchlist: WatchlistSnapshot


Rule = Callable[[TransferEvent, ScreeningContext], Iterator[Hit]]

SANCTIONED_WALLET = "sanctions.wallet"


def sanctioned_wallet(transfer: TransferEvent, ctx: ScreeningContext) -> Iterator[Hit]:
    """A party's wallet is a digital currency address on a sanctions list."""
    for role, party in (("originator", transfer.originator), ("beneficiary", transfer.beneficiary)):
        for listed in ctx.watchlist.wallet_hits(party.wallet_address):
            yield Hit(
                rule_id=SANCTIONED_WALLET,
                explanation=(
                    f"The {role}'s wallet is listed on {listed.list_name} "
                    f"(entry {listed.entry_id}, {listed.entry_name})."
                ),
                severity=Severity.CRITICAL,
                weight=1.0,
                forced=Action.HOLD,
                evidence={
                    "role": role,
                    "wallet_address": party.wallet_address,
                    "listed_address": listed.address,
                    "ticker": listed.ticker,
                    "list": listed.list_name,
                    "entry_id": listed.entry_id,
                    "entry_name": listed.entry_name,
                    "programme": listed.programme,
                    "watchlist_version": ctx.watchlist.version,
                },
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


RULES: tuple[Rule, ...] = (watchlist_unavailable, sanctioned_wallet)
