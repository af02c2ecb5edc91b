"""Figures of merit: precision / recall / F1 on labelled pairs, hit rates on screened people, latency."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from services.evaluation.fixtures import BenchCase


@dataclass(frozen=True, slots=True)
class PairScore:
    threshold: float
    precision: float
    recall: float
    f1: float
    strong_failures: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Timing:
    queries: int
    per_second: float
    p99_ms: float


@dataclass(frozen=True, slots=True)
class OperatingPoint:
    """Our recall on the positives at the lowest threshold whose false-positive rate on the negatives is no
    higher than another matcher's: recall compared at an equal or lower false-positive rate."""

    versus: str
    their_fp_rate: float
    their_recall: float
    threshold: float
    fp_rate: float
    recall: float


@dataclass(slots=True)
class Row:
    """One matcher's line of the report."""

    matcher: str
    threshold: float
    pairs: PairScore | None = None
    un_recall: float | None = None
    negatives_fp_rate: float | None = None
    negatives_used: int = 0
    timing: Timing | None = None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def pair_score(cases: Sequence[BenchCase], scores: Sequence[float], threshold: float) -> PairScore:
    predicted = [s >= threshold for s in scores]
    tp = sum(1 for c, p in zip(cases, predicted, strict=True) if p and c.is_match)
    fp = sum(1 for c, p in zip(cases, predicted, strict=True) if p and not c.is_match)
    fn = sum(1 for c, p in zip(cases, predicted, strict=True) if not p and c.is_match)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    strong = [f"{c.query} | {c.candidate} (expected {'match' if c.is_match else 'no match'}, {s:.2f})"
              for c, s, p in zip(cases, scores, predicted, strict=True) if c.quality == "STRONG" and p != c.is_match]
    return PairScore(threshold, round(precision, 4), round(recall, 4), round(f1, 4), strong)


def timing(seconds: Sequence[float]) -> Timing:
    """Throughput from the summed per-query times (one core, one query at a time) and the 99th percentile."""
    ordered = sorted(seconds)
    p99 = ordered[min(len(ordered) - 1, math.ceil(0.99 * len(ordered)) - 1)] if ordered else 0.0
    total = sum(ordered)
    return Timing(len(ordered), round(len(ordered) / total, 1) if total else 0.0, round(p99 * 1000, 3))


def operating_point(
    positives: Sequence[float], negatives: Sequence[float], at_least: float, max_fp_rate: float
) -> tuple[float, float, float]:
    """(threshold, recall, false-positive rate) at the lowest threshold >= `at_least` whose false-positive
    rate is at most `max_fp_rate`. Thresholds are tried at the observed scores (just above a negative's)."""
    ordered = sorted(negatives, reverse=True)
    allowed = math.floor(max_fp_rate * len(ordered) + 1e-9)
    threshold = at_least
    if len(ordered) > allowed and ordered[allowed] >= threshold:
        threshold = math.nextafter(ordered[allowed], math.inf)  # just above the first negative that must go
    fp = sum(1 for s in negatives if s >= threshold)
    tp = sum(1 for s in positives if s >= threshold)
    return threshold, tp / len(positives) if positives else 0.0, fp / len(negatives) if negatives else 0.0
