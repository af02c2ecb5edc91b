"""Sanctions name screening of both parties: a listed name (with its identifiers) forces a hold.

Unless officers cleared exactly this party for exactly this entry (domain/suppressions.py): the hit is
then not raised, and an informational `sanctions.suppressed` reason says which suppression applied. A
hit whose suppression lapsed (the entry changed, or it expired) holds as before, and its evidence names
the lapsed suppression.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from schemas import Action, Party, Severity, TransferEvent
from services.screener.domain.hit import Hit
from services.screener.domain.suppressions import (
    SUPPRESSED,
    Check,
    current_fingerprint,
    party_of,
)
from services.watchlists.domain.matcher import NameMatch

if TYPE_CHECKING:  # the context module imports this rule; the type is only needed for checking
    from services.screener.domain.rules import ScreeningContext

SANCTIONED_NAME = "sanctions.name"


def sanctioned_name(transfer: TransferEvent, ctx: ScreeningContext) -> Iterator[Hit]:
    """A party's name, with its date of birth, nationality and identifiers, matches a listed person or entity."""
    lists = ctx.watchlist
    suppressions = ctx.suppressions
    for role, party in (("originator", transfer.originator), ("beneficiary", transfer.beneficiary)):
        matches = lists.name_hits(party)
        if not matches:
            continue
        fingerprint = None
        if suppressions:
            cleared = party_of(party)
            fingerprint = cleared.fingerprint if cleared is not None else None
        for match in matches:
            entry = current_fingerprint(lists.names, lists.names.entries, match.entry_key) if lists.names else None
            check = suppressions.check(match.entry_key, fingerprint, entry, transfer.occurred_at)
            if check.applies:
                yield _suppressed(role, party, match, entry, check)
            else:
                yield _listed(role, party, match, entry, check, lists.version)


def _listed(role: str, party: Party, match: NameMatch, entry: str | None, check: Check, version: str) -> Hit:
    evidence: dict[str, Any] = {
        "role": role,
        "party_name": party.name,
        "list": match.list,
        "entry_id": match.entry_id,
        "entry_key": match.entry_key,
        # What a false-positive closure records, so a suppression lapses when the entry changes.
        "entry_fingerprint": entry,
        "matched_name": match.matched_name,
        "name_kind": match.name_kind.value,
        "score": round(match.score, 4),
        "name_score": round(match.name_score, 4),
        "why": match.explanation,
        "watchlist_version": version,
    }
    lapsed = ""
    if check.suppression is not None and check.lapsed is not None:
        evidence["lapsed_suppression"] = {
            "suppression_id": str(check.suppression.suppression_id),
            "lapsed": check.lapsed.value,
            "watchlist_version": check.suppression.watchlist_version,
            "expires_at": check.suppression.expires_at.isoformat(),
        }
        lapsed = f" A suppression of this match lapsed ({check.lapsed.value})."
    return Hit(
        rule_id=SANCTIONED_NAME,
        explanation=(
            f"The {role} '{party.name}' matches {match.list} entry {match.entry_id} "
            f"('{match.matched_name}', score {match.score:.2f}: {match.explanation}).{lapsed}"
        )[:500],
        severity=Severity.CRITICAL,
        weight=1.0,
        forced=Action.HOLD,
        evidence=evidence,
        subjects=(party.account_id,),
    )


def _suppressed(role: str, party: Party, match: NameMatch, entry: str | None, check: Check) -> Hit:
    found = check.suppression
    assert found is not None
    # Not `entry_key`: that names a list entry behind a hold or flag to the case desk and to retro-screening.
    return Hit(
        rule_id=SUPPRESSED,
        explanation=(
            f"The {role} '{party.name}' matches {match.list} entry {match.entry_id} ('{match.matched_name}', "
            f"score {match.score:.2f}), cleared as a false positive for this party by {found.decided_by} and "
            f"{found.approved_by} (suppression {found.suppression_id}, until {found.expires_at:%Y-%m-%d})."
        )[:500],
        severity=Severity.INFO,
        weight=0.0,
        forced=None,
        evidence={
            "role": role,
            "party_name": party.name,
            "suppression_id": str(found.suppression_id),
            "suppressed_entry_key": match.entry_key,
            "list": match.list,
            "entry_id": match.entry_id,
            "entry_fingerprint": entry,
            "matched_name": match.matched_name,
            "score": round(match.score, 4),
            "decided_by": found.decided_by,
            "approved_by": found.approved_by,
            "reason": found.reason,
            "case_id": found.case_id,
            "approved_version": found.watchlist_version,
            "expires_at": found.expires_at.isoformat(),
        },
        subjects=(party.account_id,),
    )
