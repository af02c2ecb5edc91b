"""A rule hit: what one rule found about one transfer, with the accounts it implicates."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from schemas import Action, Severity


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


def ordered_subjects(*groups: object) -> tuple[str, ...]:
    """Accounts in first-mention order without repeats, so evidence reads like the pattern."""
    seen: dict[str, None] = {}
    for group in groups:
        items = (group,) if isinstance(group, str) else group
        for item in items:  # type: ignore[attr-defined]
            seen.setdefault(str(item), None)
    return tuple(seen)
