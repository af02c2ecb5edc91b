"""Builders for ledger test data: screening decisions and officers' resolutions."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from schemas import Action, Decision, Resolution

_T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def screening(transfer_id: str, action: Action = Action.ALLOW, **overrides: Any) -> Decision:
    """The screener's decision, with its deterministic id unless overridden."""
    values: dict[str, Any] = {
        "decision_id": Decision.system_id(transfer_id),
        "transfer_id": transfer_id,
        "action": action,
        "score": 0.9 if action is Action.HOLD else 0.1,
        "policy_version": "policy-test",
        "watchlist_version": "wl-test",
        "decided_at": _T0,
    }
    values.update(overrides)
    return Decision(**values)


def resolution(held: Decision, outcome: Resolution, officer: str = "officer-1", **overrides: Any) -> Decision:
    """An officer's resolution superseding `held`."""
    values: dict[str, Any] = {
        "decision_id": uuid.uuid4(),
        "transfer_id": held.transfer_id,
        "action": held.action,
        "score": held.score,
        "policy_version": held.policy_version,
        "watchlist_version": held.watchlist_version,
        "decided_at": held.decided_at + timedelta(hours=1),
        "decided_by": officer,
        "supersedes": held.decision_id,
        "resolution": outcome,
    }
    values.update(overrides)
    return Decision(**values)
