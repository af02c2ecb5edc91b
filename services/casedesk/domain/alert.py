"""What the case desk is asked to look at, in one shape whichever topic it came from.

Two wire models raise work for officers: a held or flagged `Decision` (aml.decisions.v1) and a
retro-screening `Alert` (aml.alerts.v1). Grouping, priority and four eyes read the same few fields of
both, so each is turned into a `CaseAlert` once, at the edge, and nothing downstream looks at the
wire models again.

Subjects are written `entry:<list>:<entry_id>`, `account:<id>` or `wallet:<address>` so that an
account id and a wallet address that happen to be spelt alike never fall into one case.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from schemas.alert import Alert
from schemas.alert import AlertKind as WireAlertKind
from schemas.decision import Action, Decision

# The screener's rule ids (services/screener/domain: sanctions.py, rules.py, exposure.py), repeated here
# so the case desk does not import the screener's rule registry; a test holds them equal.
SANCTIONS_NAME = "sanctions.name"
SANCTIONS_WALLET = "sanctions.wallet"
DIRECT_EXPOSURE = "graph.exposure.direct"


class AlertKind(StrEnum):
    HOLD = "hold"
    """A transfer is held in escrow until the case resolves it."""
    FLAG = "flag"
    """A transfer settled but must be reviewed (possible STR)."""
    RETRO_HIT = "retro_hit"
    """A party seen before now matches a new or changed list entry."""
    RELEASE_PROPOSAL = "release_proposal"
    """Every list entry behind a hold was removed: the screener proposes its release."""


@dataclass(frozen=True, slots=True)
class ListedMatch:
    """One hit on a list entry, kept so a false positive can be suppressed for exactly that pair."""

    rule_id: str
    entry_key: str
    account_id: str | None
    party_name: str | None


@dataclass(frozen=True, slots=True)
class CaseAlert:
    alert_id: str
    """A decision's `decision_id`, or an `Alert`'s `alert_id`: the idempotency key for absorbing."""
    kind: AlertKind
    transfer_id: str | None
    """The transfer this alert holds, flags or proposes to release (None for a retro hit)."""
    exchange_id: str | None
    rule_ids: tuple[str, ...]
    score: float
    subject: str
    """The grouping key: alerts with the same subject share an open case."""
    subjects: tuple[str, ...]
    """Every entry, account and wallet named, subject first."""
    raised_at: datetime
    matches: tuple[ListedMatch, ...] = ()
    related_transfer_ids: tuple[str, ...] = ()
    """Further transfers named: a retro hit's recent transfers of the party (settled, not held by it), or
    a release proposal's further held transfers (retro.py names one, the wire model allows more)."""

    @property
    def held_transfer_ids(self) -> tuple[str, ...]:
        """The transfers whose funds wait in escrow on account of this alert."""
        if self.kind is AlertKind.HOLD and self.transfer_id is not None:
            return (self.transfer_id,)
        if self.kind is AlertKind.RELEASE_PROPOSAL:
            return _unique([*([self.transfer_id] if self.transfer_id else []), *self.related_transfer_ids])
        return ()

    @staticmethod
    def from_decision(decision: Decision, exchange_id: str | None) -> CaseAlert | None:
        """A hold or flag as an alert; None for allow and for officers' resolutions (no new work)."""
        if decision.is_resolution or decision.action is Action.ALLOW:
            return None
        kind = AlertKind.HOLD if decision.action is Action.HOLD else AlertKind.FLAG
        matches = tuple(
            ListedMatch(
                rule_id=r.rule_id,
                entry_key=str(r.evidence["entry_key"]),
                account_id=r.subjects[0] if r.subjects else None,
                party_name=_text(r.evidence.get("party_name")),
            )
            for r in decision.reasons
            if r.evidence.get("entry_key")
        )
        accounts = [f"account:{s}" for r in decision.reasons for s in r.subjects]
        wallets = [
            f"wallet:{w}"
            for r in decision.reasons
            for w in (_text(r.evidence.get("wallet_address")), _text(r.evidence.get("listed_address")))
            if w is not None
        ]
        entries = [f"entry:{m.entry_key}" for m in matches]
        subject = _subject(entries, accounts, wallets, fallback=f"transfer:{decision.transfer_id}")
        return CaseAlert(
            alert_id=str(decision.decision_id),
            kind=kind,
            transfer_id=decision.transfer_id,
            exchange_id=exchange_id,
            rule_ids=_unique(r.rule_id for r in decision.reasons),
            score=decision.score,
            subject=subject,
            subjects=_unique([subject, *entries, *accounts, *wallets]),
            raised_at=decision.decided_at,
            matches=matches,
        )

    @staticmethod
    def from_alert(alert: Alert) -> CaseAlert:
        """A retro hit or release proposal as an alert. `Alert` carries no exchange: exchange_id is None."""
        keys = [k for k in alert.entry_key.split(",") if k]  # a release proposal joins several keys
        entries = [f"entry:{k}" for k in keys]
        accounts = [f"account:{s}" for s in alert.subjects]
        subject = _subject(entries, accounts, [], fallback=f"alert:{alert.alert_id}")
        if alert.kind is WireAlertKind.RETRO_HIT:
            # retro.py scores name hits and leaves wallet hits unscored: an exact address listing is decisive.
            rule_id = SANCTIONS_NAME if alert.score is not None else SANCTIONS_WALLET
            party = alert.evidence.get("party")
            name = _text(party.get("name")) if isinstance(party, dict) else None
            account = alert.subjects[0] if alert.subjects else None
            return CaseAlert(
                alert_id=str(alert.alert_id),
                kind=AlertKind.RETRO_HIT,
                transfer_id=None,
                exchange_id=None,
                rule_ids=(rule_id,),
                score=alert.score if alert.score is not None else 1.0,
                subject=subject,
                subjects=_unique([subject, *entries, *accounts]),
                raised_at=alert.raised_at,
                matches=tuple(ListedMatch(rule_id, k, account, name) for k in keys),
                related_transfer_ids=alert.transfer_ids,
            )
        # A delisting names the held transfer(s) whose every reason it removed (retro.py: exactly one).
        return CaseAlert(
            alert_id=str(alert.alert_id),
            kind=AlertKind.RELEASE_PROPOSAL,
            transfer_id=alert.transfer_ids[0] if alert.transfer_ids else None,
            exchange_id=None,
            rule_ids=(),
            score=alert.score if alert.score is not None else 0.0,
            subject=subject,
            subjects=_unique([subject, *entries, *accounts]),
            raised_at=alert.raised_at,
            related_transfer_ids=alert.transfer_ids[1:],
        )


def _subject(entries: list[str], accounts: list[str], wallets: list[str], *, fallback: str) -> str:
    # The smallest entry key, not the first: a release proposal lists its keys sorted, and must land in
    # the case its hold opened whatever order the hold's reasons came in. No subject at all happens for
    # holds on malformed transfers (system.invalid_transfer): such a case stands alone.
    if entries:
        return min(entries)
    return next(iter(accounts or wallets), fallback)


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
