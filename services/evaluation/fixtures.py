"""Readers for the evaluation data beside the repository (../shared/data) and the lists it screens against.

The lists come through the watchlist adapters, so the evaluation sees exactly the entries production
loads; the labelled files are read here because nothing else in the service needs them.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from services.watchlists.adapters import eu_csv, ofac_csv, un_xml
from services.watchlists.adapters.countries import country_code
from services.watchlists.domain.criteria import NameQuery
from services.watchlists.domain.entry import EntityKind, WatchlistEntry

SCHEMA_KINDS = {"Person": EntityKind.PERSON, "Company": EntityKind.ORGANISATION,
                "Organization": EntityKind.ORGANISATION, "LegalEntity": EntityKind.ORGANISATION,
                "Vessel": EntityKind.VESSEL}


@dataclass(frozen=True, slots=True)
class BenchCase:
    group: str
    schema: str
    query: str
    candidate: str
    is_match: bool
    quality: str
    category: str


@dataclass(frozen=True, slots=True)
class Lists:
    un: list[WatchlistEntry]
    combined: list[WatchlistEntry]


def read_bench(path: Path) -> list[BenchCase]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [BenchCase(row["case_group"], row["schema"], row["name1"], row["name2"], row["is_match"] == "true",
                          row["quality"], row["category"]) for row in csv.DictReader(handle)]


def _country(value: str) -> str | None:
    # Positives give ISO-2 codes, negatives give country names (PROVENANCE.md).
    value = value.strip()
    if not value:
        return None
    return value.upper() if len(value) == 2 else country_code(value)


def read_people(path: Path, limit: int | None = None) -> list[NameQuery]:
    """A yente fixture file as person queries with DOB and nationality."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [NameQuery(row["full_name"], row["date_of_birth"] or None, _country(row["nationality"]),
                      kind=EntityKind.PERSON) for row in rows[:limit]]


def sample(queries: Sequence[NameQuery], size: int | None) -> list[NameQuery]:
    """Every k-th query, so a sample spreads over the whole file (which is grouped by name culture)."""
    if size is None or size >= len(queries):
        return list(queries)
    step = len(queries) / size
    return [queries[int(i * step)] for i in range(size)]


def read_lists(data: Path) -> Lists:
    """UN + OFAC (2024 sdn.csv with the 2021 alt.csv aliases) + EU (OpenSanctions' journal transcription)."""
    un = un_xml.read(data / "un-consolidated" / "UN_consolidated.xml")
    ofac = ofac_csv.read(data / "ofac-sdn" / "2024-05-03_sdn_only" / "sdn.csv",
                         data / "ofac-sdn" / "2021-07_full_trio" / "alt.csv")
    eu = eu_csv.read(data / "eu-sanctions" / "opensanctions-eu-journal-consolidated")
    return Lists(un=un, combined=[*un, *ofac, *eu])
