"""What every graph heuristic shares: its signature and how a finding becomes a `Hit`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from schemas import Action, Severity
from services.screener.domain.graph import Edge, TransferGraph
from services.screener.domain.hit import Hit, ordered_subjects
from services.screener.domain.policy import RuleSettings

Heuristic = Callable[[TransferGraph, Edge, RuleSettings], Hit | None]
"""A pure rule over the graph after `edge` was added: a hit, or None when quiet."""

EVIDENCE_EDGES = 25
"""Evidence lists at most this many edges: enough to see the pattern, small enough for a case view."""

HOUR = 3600.0
DAY = 86400.0


def edge_evidence(edges: Iterable[Edge]) -> list[dict[str, Any]]:
    listed = sorted(edges, key=lambda e: (e.ts, e.transfer_id))[:EVIDENCE_EDGES]
    return [
        {"transfer_id": e.transfer_id, "from": e.src, "to": e.dst, "amount": round(e.amount, 6), "ts": e.ts}
        for e in listed
    ]


def similar(a: float, b: float, tolerance: float) -> bool:
    """Amounts within a relative tolerance of each other: a relative test, never an absolute size."""
    return abs(a - b) <= tolerance * max(a, b)


def hit(
    rule_id: str,
    settings: RuleSettings,
    explanation: str,
    evidence: dict[str, Any],
    subjects: Iterable[object],
    severity: Severity = Severity.MEDIUM,
) -> Hit:
    return Hit(
        rule_id=rule_id,
        explanation=explanation,
        severity=Severity.HIGH if settings.forced is Action.HOLD else severity,
        weight=settings.weight,
        forced=settings.forced,
        evidence=evidence,
        subjects=ordered_subjects(subjects),
    )
