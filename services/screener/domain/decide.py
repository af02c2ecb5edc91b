"""Turn rule hits into exactly one decision per transfer, failing closed on any error."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from schemas import Action, Decision, Reason, Severity, TransferEvent
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
    """Screen one transfer. Never raises for a well-formed transfer: an error means hold."""
    try:
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
