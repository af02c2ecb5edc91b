"""Turn rule hits into exactly one decision per transfer, failing closed on any error."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from schemas import Action, Decision, Reason, Severity, TransferEvent
from services.screener.domain.construct import built
from services.screener.domain.event_time import future_dated_hit, too_far_ahead
from services.screener.domain.policy import Bands, Policy
from services.screener.domain.rules import RULES, Hit, Rule, ScreeningContext

__all__ = ["Bands", "Policy", "invalid_transfer_hold", "screen"]

SCREENING_ERROR = "system.screening_error"
INVALID_TRANSFER = "system.invalid_transfer"

# Most severe first: a forced hold beats a forced flag, which beats the score bands.
_PRECEDENCE = (Action.HOLD, Action.FLAG, Action.ALLOW)


def screen(
    transfer: TransferEvent,
    ctx: ScreeningContext,
    policy: Policy,
    decided_at: datetime,
    rules: Sequence[Rule] = RULES,
) -> Decision:
    """Screen one transfer. Never raises for a well-formed transfer: an error means hold.

    A transfer dated too far after `decided_at` is screened without the graph (it must not move the
    graph's window) and held (domain/event_time.py)."""
    try:
        if too_far_ahead(transfer, decided_at, policy.max_future_skew_s):
            unplaced = replace(ctx, graph=None)
            hits = [future_dated_hit(transfer, decided_at, policy.max_future_skew_s)]
            hits += [hit for rule in rules for hit in rule(transfer, unplaced)]
        else:
            hits = [hit for rule in rules for hit in rule(transfer, ctx)]
    except Exception as exc:
        return _error_decision(transfer, ctx, policy, decided_at, exc)
    return _combine(transfer, hits, ctx, policy, decided_at)


def _combine(
    transfer: TransferEvent,
    hits: Sequence[Hit],
    ctx: ScreeningContext,
    policy: Policy,
    decided_at: datetime,
) -> Decision:
    score = 0.0
    forced: set[Action] = set()
    for hit in hits:
        # The policy file has the last word on weights and forced outcomes; a rule's own
        # values apply only to rules the policy does not mention (e.g. in unit tests).
        settings = policy.rules.get(hit.rule_id)
        score += settings.weight if settings is not None else hit.weight
        outcome = settings.forced if settings is not None and settings.forced is not None else hit.forced
        if outcome is not None:
            forced.add(outcome)
    score = round(score, 6)
    if forced:
        action = next(a for a in _PRECEDENCE if a in forced)
    elif score >= policy.bands.hold:
        action = Action.HOLD
    elif score >= policy.bands.flag:
        action = Action.FLAG
    else:
        action = Action.ALLOW
    if not hits:
        quiet = _quiet_decision(transfer.transfer_id, action, score, policy.version, ctx.watchlist.version, decided_at)
        if quiet is not None:
            return quiet
    return Decision(
        decision_id=Decision.system_id(transfer.transfer_id),
        transfer_id=transfer.transfer_id,
        action=action,
        score=score,
        reasons=tuple(_reason(hit) for hit in hits),
        policy_version=policy.version,
        watchlist_version=ctx.watchlist.version,
        decided_at=decided_at,
    )


_PLAIN_ID = re.compile(r"[!-~](?:[ -~]{0,126}[!-~])?")
"""Printable ASCII without surrounding spaces, at most 128 characters: always a valid `Identifier`."""


@dataclass(slots=True)
class _QuietTemplate:
    """The validated fields every decision without reasons shares within one batch (one `decided_at`)."""

    key: tuple[object, ...] = ()
    fields: dict[str, Any] = field(default_factory=dict)
    fields_set: frozenset[str] = frozenset()


_QUIET = _QuietTemplate()


def _quiet_decision(
    transfer_id: str, action: Action, score: float, policy_version: str, watchlist_version: str, decided_at: datetime
) -> Decision | None:
    """A decision without reasons, equal to the validated `Decision(...)` `_combine` would build.

    Most transfers raise no hit, and their decisions differ only in the transfer (and its id),
    so the rest is validated once per batch and copied. None when the transfer id is not of the
    plain kind that needs no validation (then the caller validates as usual).
    """
    if _PLAIN_ID.fullmatch(transfer_id) is None:
        return None
    decision_id = Decision.system_id(transfer_id)
    key = (action, score, policy_version, watchlist_version, decided_at)
    if _QUIET.key != key:
        first = Decision(
            decision_id=decision_id,
            transfer_id=transfer_id,
            action=action,
            score=score,
            reasons=(),
            policy_version=policy_version,
            watchlist_version=watchlist_version,
            decided_at=decided_at,
        )
        _QUIET.key, _QUIET.fields, _QUIET.fields_set = key, dict(first.__dict__), frozenset(first.model_fields_set)
        return first
    fields = dict(_QUIET.fields)
    fields["decision_id"] = decision_id
    fields["transfer_id"] = transfer_id
    return built(Decision, fields, set(_QUIET.fields_set))


def _reason(hit: Hit) -> Reason:
    return Reason(
        rule_id=hit.rule_id,
        explanation=hit.explanation,
        severity=hit.severity,
        evidence=hit.evidence,
        subjects=hit.subjects,
    )


def _error_decision(
    transfer: TransferEvent,
    ctx: ScreeningContext,
    policy: Policy,
    decided_at: datetime,
    exc: Exception,
) -> Decision:
    reason = Reason(
        rule_id=SCREENING_ERROR,
        explanation="The screener could not evaluate this transfer, so it is held for review.",
        severity=Severity.HIGH,
        evidence={"error": type(exc).__name__, "detail": str(exc)[:300]},
        subjects=(transfer.originator.account_id, transfer.beneficiary.account_id),
    )
    return Decision(
        decision_id=Decision.system_id(transfer.transfer_id),
        transfer_id=transfer.transfer_id,
        action=Action.HOLD,
        score=0.0,
        reasons=(reason,),
        policy_version=policy.version,
        watchlist_version=ctx.watchlist.version,
        decided_at=decided_at,
    )


def invalid_transfer_hold(
    transfer_id: str, problem: str, ctx: ScreeningContext, policy: Policy, decided_at: datetime
) -> Decision:
    """Hold a transfer whose event names it but cannot be evaluated (it is dead-lettered too)."""
    reason = Reason(
        rule_id=INVALID_TRANSFER,
        explanation="The transfer event is malformed and cannot be screened, so it is held.",
        severity=Severity.HIGH,
        evidence={"problem": problem[:500]},
    )
    return Decision(
        decision_id=Decision.system_id(transfer_id),
        transfer_id=transfer_id,
        action=Action.HOLD,
        score=0.0,
        reasons=(reason,),
        policy_version=policy.version,
        watchlist_version=ctx.watchlist.version,
        decided_at=decided_at,
    )
