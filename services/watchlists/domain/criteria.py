"""What a name search asks for, and the tunable numbers that turn scores into decisions.

`MatchConfig` is the in-code default of the screening policy; the policy file supplies its own
values later. The defaults were tuned on development data only (the nomenklatura name-pair
benchmark and the US 1k negatives), never on the UN positives or the 50k negatives that the
evaluation reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from services.watchlists.domain.entry import EntityKind


@dataclass(frozen=True, slots=True)
class NameQuery:
    name: str
    date_of_birth: str | None = None
    """ISO date, possibly partial ('1970' or '1970-05-17')."""
    country: str | None = None
    """ISO 3166-1 alpha-2 nationality or country of the customer."""
    id_number: str | None = None
    kind: EntityKind = EntityKind.UNKNOWN


@dataclass(frozen=True, slots=True)
class EvidenceWeights:
    """Added to the name score (0..1). An exact identifier match is decisive and bypasses these."""

    dob_exact: float = 0.05
    dob_year: float = 0.03
    dob_mismatch: float = -0.15
    """Years more than `dob_tolerance_years` apart: DOB is the strongest disqualifier (brief §6.3)."""
    dob_tolerance_years: int = 1
    country_match: float = 0.03
    country_mismatch: float = -0.08
    father_match: float = 0.05
    father_mismatch: float = -0.10
    kind_mismatch: float = -0.30
    """Individual against organisation or vessel is not a match (OFAC FAQ 5)."""

    @property
    def max_boost(self) -> float:
        return max(self.dob_exact, self.dob_year) + self.country_match + self.father_match


@dataclass(frozen=True, slots=True)
class ScoringWeights:
    token_min: float = 0.75
    """Token pairs less alike than this are not aligned at all."""
    extra_cost: float = 0.7
    """Share of its weight an unmatched listed token costs (listed names carry extra father names)."""
    sharpness: float = 1.0
    single_part_cap: float = 0.6
    """Score ceiling when only one part of a multi-part listed name matched."""


@dataclass(frozen=True, slots=True)
class MatchConfig:
    threshold: float = 0.80
    """A match at or above this raises a hit (`is_match`)."""
    floor: float = 0.60
    """Matches below this are not reported at all."""
    candidates: int = 20
    """Names taken from the index for precise scoring per query."""
    evidence: EvidenceWeights = field(default_factory=EvidenceWeights)
    scoring: ScoringWeights = field(default_factory=ScoringWeights)
