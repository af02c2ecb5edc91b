"""Secondary evidence: date of birth, nationality, father's name, entity kind and identifiers.

Each piece raises or lowers the name score by a stated weight (`EvidenceWeights`); missing data on
either side is neutral, because a list entry without a DOB must still be found. An identifier that
matches exactly settles the match on its own (brief §6.3: CNIC or passport equality is deterministic).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from services.watchlists.domain.criteria import EvidenceWeights, NameQuery
from services.watchlists.domain.entry import EntityKind, WatchlistEntry
from services.watchlists.domain.names import normalise
from services.watchlists.domain.scoring import make_tokens, name_score

_ID_NOISE = re.compile(r"[^0-9A-Z]+")


def identifier_key(number: str) -> str:
    """Identifiers compare without spaces, dashes or case ("12345-1234567-1" is "1234512345671")."""
    return _ID_NOISE.sub("", number.upper())


@dataclass(frozen=True, slots=True)
class Adjustment:
    delta: float
    reason: str


def _year(value: str) -> int | None:
    head = value[:4]
    return int(head) if len(head) == 4 and head.isdigit() else None


@lru_cache(maxsize=50_000)
def _listed_dates(listed: tuple[str, ...]) -> tuple[tuple[int, ...], frozenset[str]]:
    """An entry's years of birth and full dates, cached: the same entries come up for query after query."""
    return tuple(y for y in map(_year, listed) if y is not None), frozenset(d[:10] for d in listed if len(d) >= 10)


def date_of_birth(query: str, listed: tuple[str, ...], weights: EvidenceWeights) -> Adjustment | None:
    if not listed:
        return None
    year = _year(query)
    years, dates = _listed_dates(listed)
    if year is None or not years:
        return None
    if len(query) >= 10 and query[:10] in dates:
        return Adjustment(weights.dob_exact, f"date of birth {query[:10]} matches")
    if year in years:
        return Adjustment(weights.dob_year, f"year of birth {year} matches")
    if min(abs(year - y) for y in years) <= weights.dob_tolerance_years:
        return None
    listed_years = ", ".join(map(str, years[:3]))
    return Adjustment(weights.dob_mismatch, f"year of birth {year} differs from listed {listed_years}")


def nationality(query: str, listed: tuple[str, ...], weights: EvidenceWeights) -> Adjustment | None:
    if not listed:
        return None
    code = query.upper()
    if code in {c.upper() for c in listed}:
        return Adjustment(weights.country_match, f"nationality {code} matches")
    return Adjustment(weights.country_mismatch, f"nationality {code} not among listed {', '.join(listed[:3])}")


def father(query: tuple[str, ...], listed: str | None, weights: EvidenceWeights) -> Adjustment | None:
    if not query or not listed:
        return None
    alike = name_score(make_tokens(query), make_tokens(normalise(listed).tokens)).score
    if alike >= 0.85:
        return Adjustment(weights.father_match, "father's name matches")
    return Adjustment(weights.father_mismatch, f"father's name differs from listed {listed!r}")


def kind(query: EntityKind, listed: EntityKind, weights: EvidenceWeights) -> Adjustment | None:
    if EntityKind.UNKNOWN in (query, listed) or query == listed:
        return None
    return Adjustment(weights.kind_mismatch, f"{query.value} queried, {listed.value} listed")


def adjustments(query: NameQuery, father_tokens: tuple[str, ...], entry: WatchlistEntry,
                weights: EvidenceWeights) -> list[Adjustment]:
    found = [
        date_of_birth(query.date_of_birth, entry.dates_of_birth, weights) if query.date_of_birth else None,
        nationality(query.country, entry.nationalities, weights) if query.country else None,
        father(father_tokens, entry.father_name, weights),
        kind(query.kind, entry.kind, weights),
    ]
    return [a for a in found if a is not None]


def has_evidence(query: NameQuery, father_tokens: tuple[str, ...]) -> bool:
    """Whether the query carries anything `adjustments` or `identifier_matches` could use on some entry.

    A name-only query (most screening) then skips asking every candidate entry for evidence it cannot have.
    """
    return bool(query.date_of_birth or query.country or query.id_number or father_tokens
                or query.kind is not EntityKind.UNKNOWN)


def identifier_matches(query: NameQuery, entry: WatchlistEntry) -> str | None:
    """The listed identifier equal to the query's, if any."""
    if not query.id_number:
        return None
    wanted = identifier_key(query.id_number)
    for ident in entry.identifiers:
        if wanted and identifier_key(ident.number) == wanted:
            return f"{ident.type} {ident.number}"
    return None
