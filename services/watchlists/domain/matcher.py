"""Name matching against all loaded lists: index for candidates, precise score, evidence, decision."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from services.watchlists.domain.criteria import MatchConfig, NameQuery
from services.watchlists.domain.entry import NameKind, WatchlistEntry
from services.watchlists.domain.evidence import (
    Adjustment,
    adjustments,
    has_evidence,
    identifier_key,
    identifier_matches,
)
from services.watchlists.domain.index import NameIndex
from services.watchlists.domain.names import alternatives, normalise
from services.watchlists.domain.scoring import Alignment, Token, make_tokens, name_score

_CACHE_SIZE = 50_000


@dataclass(frozen=True, slots=True)
class NameMatch:
    entry_key: str
    entry_id: str
    list: str
    matched_name: str
    name_kind: NameKind
    score: float
    name_score: float
    is_match: bool
    weak_alias_only: bool
    """The best name was a weak alias and no stronger name reached the threshold: never a hit."""
    explanation: str


@dataclass(frozen=True, slots=True)
class _Name:
    entry: int
    text: str
    kind: NameKind
    tokens: tuple[Token, ...]


class _Decision(NamedTuple):
    """An entry's outcome before it is explained: all that ranking and the floor need, and what to explain."""

    is_match: bool
    score: float
    """Rounded, as reported: the floor and the order compare the reported number."""
    position: int
    text: str
    kind: NameKind
    name_score: float
    """The shown name's own score, unrounded."""
    alignment: Alignment | None
    """None when an identifier decided."""
    found: tuple[Adjustment, ...]
    weak_only: bool
    ident: str | None
    """The matching identifier, which decides on its own."""


def _rank(decision: _Decision) -> tuple[bool, float]:
    return decision.is_match, decision.score


def _describe(alignment: Alignment) -> str:
    pairs = ", ".join(q if q == c else f"{q}~{c} {s:.2f}" for q, c, s in alignment.pairs)
    return f"name {alignment.score:.2f} [{pairs}]"


class NameMatcher:
    def __init__(self, entries: Sequence[WatchlistEntry], names: list[_Name], config: MatchConfig) -> None:
        self.entries = entries
        self.config = config
        self._names = names
        self._index = NameIndex([n.tokens for n in names], config.scoring)
        # Evidence adds at most `max_boost`: a name scoring below `_reach` is not reported, and one below
        # `_bar` can neither be reported nor decide a hit, so it need not be scored exactly.
        self._reach = config.floor - config.evidence.max_boost
        self._bar = min(config.floor, config.threshold) - config.evidence.max_boost
        self._by_identifier: dict[str, list[int]] = {}
        for position, entry in enumerate(entries):
            for ident in entry.identifiers:
                self._by_identifier.setdefault(identifier_key(ident.number), []).append(position)
        self._cache: OrderedDict[tuple[str, ...], list[tuple[int, Alignment]]] = OrderedDict()

    @classmethod
    def build(cls, entries: Sequence[WatchlistEntry], config: MatchConfig | None = None) -> NameMatcher:
        """Normalise every name of every entry once, so queries only normalise themselves."""
        names: list[_Name] = []
        for position, entry in enumerate(entries):
            seen: set[tuple[str, ...]] = set()
            for name in entry.names:
                for part in alternatives(name.full):
                    tokens = normalise(part).tokens
                    if tokens and tokens not in seen:
                        seen.add(tokens)
                        names.append(_Name(position, name.full, name.kind, make_tokens(tokens)))
        return cls(entries, names, config or MatchConfig())

    @property
    def name_count(self) -> int:
        return len(self._names)

    def _scored(self, tokens: tuple[str, ...]) -> list[tuple[int, Alignment]]:
        """Candidate names and their name-only scores; cached per normalised query."""
        cached = self._cache.get(tokens)
        if cached is not None:
            self._cache.move_to_end(tokens)
            return cached
        scored = self._index.screen(make_tokens(tokens), self.config.candidates, self._bar)
        self._cache[tokens] = scored
        if len(self._cache) > _CACHE_SIZE:
            self._cache.popitem(last=False)
        return scored

    def candidate_entries(self, query: NameQuery, limit: int = 10) -> list[WatchlistEntry]:
        """The entries the index proposes for a name, best first (what a competitor is fed)."""
        order: list[int] = []
        for candidate in self._index.candidates(make_tokens(normalise(query.name).tokens), self.config.candidates):
            entry = self._names[candidate.name_id].entry
            if entry not in order:
                order.append(entry)
        return [self.entries[i] for i in order[:limit]]

    def compare(self, query: NameQuery, position: int) -> NameMatch:
        """Score one entry against the query on all its names, bypassing the index (for labelled pairs)."""
        tokens = make_tokens(normalise(query.name).tokens)
        weights = self.config.scoring
        scored = [(name_id, name_score(tokens, name.tokens, weights.single_part_cap, weights.token_min,
                                       weights.extra_cost, weights.sharpness))
                  for name_id, name in enumerate(self._names) if name.entry == position]
        results = self._results(query, scored, reach=None)
        if results:
            return results[0]
        entry = self.entries[position]
        return NameMatch(entry.key, entry.entry_id, entry.list_name.value, entry.names[0].full, entry.names[0].kind,
                         0.0, 0.0, False, False, "no name token aligned")

    def match(self, query: NameQuery, limit: int = 10) -> list[NameMatch]:
        normalised = normalise(query.name)
        # Evidence can add at most `max_boost`, so weaker names are dropped before deciding on them.
        decided = self._decisions(query, normalised.father, self._scored(normalised.tokens), self._reach)
        if query.id_number:
            decided.extend(self._identified(query, {self.entries[d.position].key for d in decided}))
        kept = [d for d in decided if d.score >= self.config.floor or d.is_match]
        kept.sort(key=_rank, reverse=True)
        # Only what is returned is explained: most names the index brings up are not reported at all.
        return [self._explained(d) for d in kept[:limit]]

    def _results(self, query: NameQuery, scored: list[tuple[int, Alignment]], reach: float | None) -> list[NameMatch]:
        """Every entry within `reach` (all, with None), decided and explained, best first."""
        decided = self._decisions(query, normalise(query.name).father, scored, reach)
        decided.sort(key=_rank, reverse=True)
        return [self._explained(d) for d in decided]

    def _decisions(self, query: NameQuery, father: tuple[str, ...], scored: list[tuple[int, Alignment]],
                   reach: float | None) -> list[_Decision]:
        """Each entry's best strong and best weak name, decided; entries whose best is below `reach` left out."""
        if not scored:
            return []  # a third of name-only queries: no candidate reached the scoring bar
        best: dict[int, tuple[_Name, Alignment]] = {}
        weak: dict[int, tuple[_Name, Alignment]] = {}
        names = self._names
        for name_id, alignment in scored:
            name = names[name_id]
            bucket = weak if name.kind is NameKind.WEAK_ALIAS else best
            held = bucket.get(name.entry)
            if held is None or held[1].score < alignment.score:
                bucket[name.entry] = (name, alignment)
        evidence = has_evidence(query, father)
        decided = []
        # Decided in this set's order, as always: the stable sort by score keeps it among equal scores.
        for position in set(best) | set(weak):
            strong, alias = best.get(position), weak.get(position)
            chosen = strong
            if chosen is None or (alias is not None and alias[1].score > chosen[1].score):
                chosen = alias
            assert chosen is not None
            # The chosen name is the entry's best: below `reach` the entry cannot be reported.
            if reach is None or chosen[1].score >= reach:
                decided.append(self._decide(query, father, position, chosen, strong, evidence))
        return decided

    def _decide(self, query: NameQuery, father: tuple[str, ...], position: int, chosen: tuple[_Name, Alignment],
                strong: tuple[_Name, Alignment] | None, evidence: bool) -> _Decision:
        """The entry's score and decision from its shown name (`chosen`) and its best strong name."""
        name, alignment = chosen
        found: list[Adjustment] = []
        if evidence:  # without any, no identifier or adjustment can apply: skip asking each entry
            entry = self.entries[position]
            ident = identifier_matches(query, entry)
            if ident is not None:
                return _Decision(True, 1.0, position, name.text, name.kind, alignment.score, None, (), False, ident)
            found = adjustments(query, father, entry, self.config.evidence)
        shift = sum(a.delta for a in found) if found else 0
        score = min(1.0, max(0.0, alignment.score + shift))
        weak_only = name.kind is NameKind.WEAK_ALIAS
        # A weak alias may show as the best name, but only a stronger name can carry the decision.
        deciding = score if not weak_only else (
            min(1.0, max(0.0, strong[1].score + shift)) if strong else 0.0)
        return _Decision(deciding >= self.config.threshold, round(score, 4), position, name.text, name.kind,
                         alignment.score, alignment, tuple(found), weak_only, None)

    def _explained(self, decision: _Decision) -> NameMatch:
        entry = self.entries[decision.position]
        if decision.ident is not None:
            return self._identified_match(entry, decision.text, decision.kind, decision.name_score, decision.ident)
        assert decision.alignment is not None
        parts = [_describe(decision.alignment), *(f"{a.reason} {a.delta:+.2f}" for a in decision.found)]
        if decision.weak_only:
            parts.append("weak alias only: never a hit on its own")
        return NameMatch(entry.key, entry.entry_id, entry.list_name.value, decision.text, decision.kind,
                         decision.score, round(decision.name_score, 4), decision.is_match, decision.weak_only,
                         "; ".join(parts))

    def _identified(self, query: NameQuery, already: set[str]) -> list[_Decision]:
        """Entries whose identifier equals the query's, even when the name did not bring them up."""
        if not query.id_number:
            return []
        found = []
        for position in self._by_identifier.get(identifier_key(query.id_number), []):
            entry = self.entries[position]
            ident = identifier_matches(query, entry)
            if entry.key not in already and ident is not None:
                primary = entry.names[0]
                found.append(_Decision(True, 1.0, position, primary.full, primary.kind, 0.0, None, (), False, ident))
        return found

    @staticmethod
    def _identified_match(entry: WatchlistEntry, text: str, kind: NameKind, name_score: float,
                          ident: str) -> NameMatch:
        return NameMatch(entry.key, entry.entry_id, entry.list_name.value, text, kind, 1.0, round(name_score, 4),
                         True, False, f"identifier {ident} matches exactly: decisive; name {name_score:.2f}")
