"""Sanctions name screening of both parties: a listed name (with its identifiers) forces a hold."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from schemas import Action, Severity, TransferEvent
from services.screener.domain.hit import Hit

if TYPE_CHECKING:  # the context module imports this rule; the type is only needed for checking
    from services.screener.domain.rules import ScreeningContext

SANCTIONED_NAME = "sanctions.name"


def sanctioned_name(transfer: TransferEvent, ctx: ScreeningContext) -> Iterator[Hit]:
    """A party's name, with its date of birth, nationality and identifiers, matches a listed person or entity."""
    for role, party in (("originator", transfer.originator), ("beneficiary", transfer.beneficiary)):
        for match in ctx.watchlist.name_hits(party):
            yield Hit(
                rule_id=SANCTIONED_NAME,
                explanation=(
                    f"The {role} '{party.name}' matches {match.list} entry {match.entry_id} "
                    f"('{match.matched_name}', score {match.score:.2f}: {match.explanation})."
                ),
                severity=Severity.CRITICAL,
                weight=1.0,
                forced=Action.HOLD,
                evidence={
                    "role": role,
                    "party_name": party.name,
                    "list": match.list,
                    "entry_id": match.entry_id,
                    "entry_key": match.entry_key,
                    "matched_name": match.matched_name,
                    "name_kind": match.name_kind.value,
                    "score": round(match.score, 4),
                    "name_score": round(match.name_score, 4),
                    "why": match.explanation,
                    "watchlist_version": ctx.watchlist.version,
                },
                subjects=(party.account_id,),
            )
