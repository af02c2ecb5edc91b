"""The listed names, indexed for candidates and scored precisely: the per-query path of name screening.

Candidates: every token is indexed under three keys, itself, its consonant skeleton and its metaphone
code, so a typo, a transliteration without vowels or a phonetic respelling still lands on the listed
name. A query only touches the posting lists of its own keys, never the whole list; very frequent
keys ("muhammad") are skipped when the query has rarer ones. Candidates are ranked by the summed
IDF of the query tokens they share a key with, each query token counting once per name.

Scoring: `scoring.name_score` of the query against each candidate. Both steps run in a compiled core
(`native/src/lib.rs`, Rust through PyO3) because this is the one loop every screening query goes
through; `scoring.py` stays the readable reference, and the core gives its floats bit for bit
(tests/watchlists/domain/test_index.py). The few candidates whose tokens may be written joined on
one side ("VladimirPutin") come back unscored and are scored by `scoring.name_score` here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from services.watchlists.domain._namecore import NameCore
from services.watchlists.domain.criteria import ScoringWeights
from services.watchlists.domain.scoring import PART_MIN, PART_WEIGHT, Alignment, Token, name_score

if TYPE_CHECKING:
    from services.watchlists.domain._namecore import Scored, TokenArgs


@dataclass(frozen=True, slots=True)
class Candidate:
    name_id: int
    overlap: float


def _args(token: Token) -> TokenArgs:
    return token.text, token.skeleton, token.phonetic, token.weight, token.vowelless


class NameIndex:
    """Posting lists over the token keys of all names (ids are positions in the build sequence)."""

    def __init__(self, names: Sequence[tuple[Token, ...]], weights: ScoringWeights | None = None,
                 max_postings: int = 400, relative_floor: float = 0.5) -> None:
        vocab: dict[str, int] = {}
        tokens_by_id: list[Token] = []
        rows: list[list[int]] = []
        for tokens in names:
            ids = []
            for token in tokens:
                found = vocab.get(token.text)
                if found is None:
                    found = vocab[token.text] = len(tokens_by_id)
                    tokens_by_id.append(token)
                ids.append(found)
            rows.append(ids)
        self._names = list(names)
        self._core = NameCore([_args(t) for t in tokens_by_id], rows, max_postings, relative_floor, PART_WEIGHT)
        self.weights = weights or ScoringWeights()
        w = self.weights
        self._rules = (w.single_part_cap, w.token_min, w.extra_cost, w.sharpness, PART_MIN)

    def candidates(self, query: tuple[Token, ...], limit: int) -> list[Candidate]:
        """Top names by summed IDF of the query tokens they share a key with, best first (ties by name id)."""
        return [Candidate(name_id, overlap) for name_id, overlap in self._core.candidates(
            [_args(t) for t in query], limit)]

    def screen(self, query: tuple[Token, ...], limit: int, bar: float | None) -> list[tuple[int, Alignment]]:
        """The best ``limit`` candidates' `scoring.name_score`, for those that reach ``bar``, best candidate first."""
        return self._alignments(query, self._core.screen([_args(t) for t in query], limit, bar, *self._rules), bar)

    def score_above(self, query: tuple[Token, ...], name_ids: Sequence[int],
                    bar: float | None) -> list[tuple[int, Alignment]]:
        """`scoring.name_score` of the given names that reach ``bar`` (all of them when it is None), in order."""
        return self._alignments(query, self._core.score([_args(t) for t in query], list(name_ids), bar,
                                                        *self._rules), bar)

    def score(self, query: tuple[Token, ...], name_ids: Sequence[int]) -> list[Alignment]:
        """`scoring.name_score(query, tokens of name)` for every name id, in order."""
        return [alignment for _, alignment in self.score_above(query, name_ids, None)]

    def _alignments(self, query: tuple[Token, ...], scored: list[tuple[int, Scored | None]],
                    bar: float | None) -> list[tuple[int, Alignment]]:
        out: list[tuple[int, Alignment]] = []
        w = self.weights
        for name_id, found in scored:
            listed = self._names[name_id]
            if found is None:
                # Tokens may be joined before aligning: the reference implementation does that.
                alignment = name_score(query, listed, w.single_part_cap, w.token_min, w.extra_cost, w.sharpness)
                if bar is not None and alignment.score < bar:
                    continue
            else:
                score, matched, pairs = found
                alignment = Alignment(score, matched, tuple((query[i].text, listed[j].text, sim)
                                                            for i, j, sim in pairs))
            out.append((name_id, alignment))
        return out
