"""The matchers compared side by side: ours and OpenSanctions' nomenklatura algorithms.

nomenklatura compares FollowTheMoney entities, so queries and list entries are turned into
`Person` (or organisation, vessel) proxies with names, birth dates and nationalities. As in yente,
an algorithm only scores the candidates a token search proposes; here every algorithm gets the
same candidates, taken from our index, so the comparison is about scoring alone.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Protocol

from followthemoney import EntityProxy, model
from nomenklatura.matching import get_algorithm
from nomenklatura.matching.types import ScoringAlgorithm, ScoringConfig

from services.evaluation.fixtures import SCHEMA_KINDS, BenchCase
from services.watchlists.domain.criteria import MatchConfig, NameQuery
from services.watchlists.domain.entry import EntityKind, EntryName, ListName, NameKind, WatchlistEntry
from services.watchlists.domain.matcher import NameMatch, NameMatcher

_SCHEMAS = {EntityKind.PERSON: "Person", EntityKind.ORGANISATION: "Organization", EntityKind.VESSEL: "Vessel",
            EntityKind.AIRCRAFT: "Airplane", EntityKind.UNKNOWN: "LegalEntity"}
_NAME_PROPS = {NameKind.PRIMARY: "name", NameKind.ALIAS: "alias", NameKind.WEAK_ALIAS: "weakAlias"}
YENTE_THRESHOLD = 0.7
"""yente's default /match threshold, the one its users see."""


class Competitor(Protocol):
    name: str
    threshold: float
    needs_candidates: bool

    def pair(self, case: BenchCase) -> float: ...

    def best(self, query: NameQuery, candidates: Sequence[WatchlistEntry], matcher: NameMatcher) -> float:
        """The query's best deciding score (0 without candidates): a hit exactly when it reaches `threshold`."""
        ...


def _pair_entry(case: BenchCase) -> WatchlistEntry:
    return WatchlistEntry(entry_id="candidate", list_name=ListName.CUSTOM, kind=SCHEMA_KINDS[case.schema],
                          names=(EntryName(full=case.candidate),))


class Ours:
    def __init__(self, config: MatchConfig, name: str = "ours") -> None:
        self.name = name
        self.config = config
        self.threshold = config.threshold
        self.needs_candidates = False

    def pair(self, case: BenchCase) -> float:
        single = NameMatcher.build([_pair_entry(case)], self.config)
        return single.compare(NameQuery(case.query, kind=SCHEMA_KINDS[case.schema]), 0).score

    def best(self, query: NameQuery, candidates: Sequence[WatchlistEntry], matcher: NameMatcher) -> float:
        # Ours runs its own index; `candidates` are what the others are fed from that same index.
        return max((_deciding(m, self.threshold) for m in matcher.match(query, limit=5)), default=0.0)


def _deciding(match: NameMatch, threshold: float) -> float:
    """A match's score as far as a hit is concerned. A weak alias never decides on its own: such a match
    counts only when a stronger name of the entry reached the threshold, and then at the threshold
    itself (a lower bound), so raising the threshold for an operating point never overstates recall."""
    if not match.weak_alias_only:
        return match.score
    return threshold if match.is_match else 0.0


_serial = itertools.count()


def query_entity(query: NameQuery, schema: str = "Person") -> EntityProxy:
    entity = model.make_entity(schema)
    # logic-v2 memoises its name analysis by entity id: every query needs an id of its own, or later
    # queries are scored as the first one.
    entity.id = f"query-{next(_serial)}"
    entity.add("name", query.name, quiet=True)
    if query.date_of_birth:
        entity.add("birthDate", query.date_of_birth, quiet=True)
    if query.country:
        entity.add("nationality", query.country.lower(), quiet=True)
    return entity


def entry_entity(entry: WatchlistEntry) -> EntityProxy:
    entity = model.make_entity(_SCHEMAS[entry.kind])
    entity.id = entry.key
    for name in entry.names:
        entity.add(_NAME_PROPS[name.kind], name.full, quiet=True)
    for dob in entry.dates_of_birth:
        entity.add("birthDate", dob, quiet=True)
    for code in entry.nationalities:
        entity.add("nationality", code.lower(), quiet=True)
    for ident in entry.identifiers:
        entity.add("idNumber", ident.number, quiet=True)
    return entity


class Nomenklatura:
    def __init__(self, algorithm: str, threshold: float = YENTE_THRESHOLD) -> None:
        found = get_algorithm(algorithm)
        if found is None:
            raise ValueError(f"nomenklatura has no algorithm {algorithm!r}")
        self.name = f"nomenklatura {algorithm}"
        self.threshold = threshold
        self.needs_candidates = True
        self._algorithm: type[ScoringAlgorithm] = found
        self._config: ScoringConfig = found.default_config()
        self._entities: dict[str, EntityProxy] = {}

    def _compare(self, query: EntityProxy, candidate: EntityProxy) -> float:
        return float(self._algorithm.compare(query, candidate, self._config).score)

    def pair(self, case: BenchCase) -> float:
        query = query_entity(NameQuery(case.query), case.schema)
        candidate = query_entity(NameQuery(case.candidate), case.schema)
        return self._compare(query, candidate)

    def best(self, query: NameQuery, candidates: Sequence[WatchlistEntry], matcher: NameMatcher) -> float:
        # Every candidate is scored, as yente does, so the best score is known beyond the first hit.
        proxy = query_entity(query)
        best = 0.0
        for entry in candidates:
            entity = self._entities.get(entry.key)
            if entity is None:
                entity = self._entities[entry.key] = entry_entity(entry)
            best = max(best, self._compare(proxy, entity))
        return best


def competitors(config: MatchConfig, algorithms: Sequence[str]) -> list[Competitor]:
    return [Ours(config), *(Nomenklatura(name) for name in algorithms)]

