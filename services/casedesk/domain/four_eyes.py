"""Maker-checker: which actions one officer may only propose, and who may check the proposal.

No single person clears, blocks or reports a possible sanctions match (domain brief §5, COSO/FFIEC
practice). So these actions need two people:

- releasing held funds when the case carries a `sanctions.name`, `sanctions.wallet` or
  `graph.exposure.direct` hit, or a delisting's release proposal (its hold was a list hit);
- freezing, and lifting a freeze;
- marking a case for a suspicious transaction report;
- closing a sanctions name match as a false positive, because that records a suppression that
  every screener will honour from then on.

The rule looks at every alert of the case, not only at holds: a retro hit saying the party is now
listed makes releasing that party's other held transfers a sanctions decision too.

The first officer's action becomes a `Proposal`; only a senior or admin who is not the maker may
approve it (it then takes effect) or decline it. A senior's own four-eyes action is a proposal too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from services.casedesk.domain.alert import (
    DIRECT_EXPOSURE,
    SANCTIONS_NAME,
    SANCTIONS_WALLET,
    AlertKind,
    CaseAlert,
    ListedMatch,
)
from services.casedesk.domain.officer import Actor, CaseAction, Role, same_person

FOUR_EYES_RULES = frozenset({SANCTIONS_NAME, SANCTIONS_WALLET, DIRECT_EXPOSURE})
"""Rules whose holds one officer alone may not release."""

ALWAYS_FOUR_EYES = frozenset({CaseAction.FREEZE, CaseAction.UNFREEZE, CaseAction.MARK_STR})


@dataclass(frozen=True, slots=True)
class Proposal:
    """A maker's four-eyes action, waiting for a checker."""

    action: CaseAction
    maker: str
    maker_role: Role
    proposed_at: datetime
    alert_ids: tuple[str, ...]
    """The alerts the maker saw: a checker approves exactly that case, not one that grew since."""
    note: str = ""


def releases_need_four_eyes(alerts: Iterable[CaseAlert]) -> bool:
    """Whether releasing this case's held funds is a sanctions decision."""
    return any(a.kind is AlertKind.RELEASE_PROPOSAL or FOUR_EYES_RULES.intersection(a.rule_ids) for a in alerts)


def name_matches(alerts: Iterable[CaseAlert]) -> tuple[ListedMatch, ...]:
    """The sanctions name matches a false-positive closure would suppress, one per entry and party."""
    found: dict[tuple[str, str | None], ListedMatch] = {}
    for alert in alerts:
        for match in alert.matches:
            if match.rule_id == SANCTIONS_NAME:
                found.setdefault((match.entry_key, match.account_id), match)
    return tuple(found.values())


def needs_four_eyes(action: CaseAction, alerts: Sequence[CaseAlert]) -> bool:
    """Whether `action` on a case with these alerts must be proposed and checked.

    Approve and decline are the check itself; assign, comment and escalate decide nothing; reject
    returns funds to their sender and is the one resolution a single officer may take on any hold.
    """
    if action in ALWAYS_FOUR_EYES:
        return True
    holds_funds = any(a.held_transfer_ids for a in alerts)
    if action is CaseAction.RELEASE:
        return releases_need_four_eyes(alerts)
    if action is CaseAction.CLOSE_FALSE_POSITIVE:
        return bool(name_matches(alerts)) or (holds_funds and releases_need_four_eyes(alerts))
    return False


def checker_refusal(proposal: Proposal, checker: Actor) -> str | None:
    """Why `checker` may not approve or decline `proposal`, or None when they may."""
    if not checker.may_check:
        return f"only a senior officer or an admin may check a proposal, not {checker.role}"
    if same_person(checker.name, proposal.maker):
        return f"{checker.name} made this proposal and cannot check it: a different officer must"
    return None
