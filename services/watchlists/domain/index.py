"""Candidate generation: an inverted index from token keys to names, ranked by IDF-weighted overlap.

Every token is indexed under three keys: itself, its consonant skeleton and its metaphone code, so a
typo, a transliteration without vowels or a phonetic respelling still lands on the listed name. A
query only touches the posting lists of its own keys, never the whole list; very frequent keys
("muhammad") are skipped when the query has rarer ones, which keeps the work per query small.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from services.watchlists.domain.scoring import Token


def token_keys(token: Token) -> tuple[str, ...]:
    keys = [token.text]
    if len(token.skeleton) >= 3:
        keys.append("s:" + token.skeleton)
    if len(token.phonetic) >= 3:
        keys.append("p:" + token.phonetic)
    return tuple(keys)


@dataclass(frozen=True, slots=True)
class Candidate:
    name_id: int
    overlap: float


class NameIndex:
    """Posting lists over the token keys of all names (ids are positions in the build sequence)."""

    def __init__(self, postings: dict[str, npt.NDArray[np.int32]], size: int, max_postings: int,
                 relative_floor: float = 0.5) -> None:
        self._postings = postings
        self.size = size
        self._max_postings = max_postings
        self._relative_floor = relative_floor

    @classmethod
    def build(cls, names: Sequence[tuple[Token, ...]], max_postings: int = 400) -> NameIndex:
        lists: dict[str, list[int]] = defaultdict(list)
        for name_id, tokens in enumerate(names):
            for key in {key for token in tokens for key in token_keys(token)}:
                lists[key].append(name_id)
        postings = {key: np.asarray(ids, dtype=np.int32) for key, ids in lists.items()}
        return cls(postings, max(1, len(names)), max_postings)

    def idf(self, df: int) -> float:
        return math.log(1 + self.size / max(1, df))

    def candidates(self, query: tuple[Token, ...], limit: int) -> list[Candidate]:
        """Top names by summed IDF of the query tokens they share a key with.

        Each query token counts once per name, weighted by the IDF of its rarest key that hit, so a
        name found through the exact spelling and the skeleton is not counted twice.
        """
        per_token: list[list[npt.NDArray[np.int32]]] = []
        for token in query:
            hits = [ids for key in token_keys(token) if (ids := self._postings.get(key)) is not None]
            if hits:
                per_token.append(hits)
        if not per_token:
            return []
        # Frequent keys add little evidence but cost the most; use them only if nothing rarer exists.
        cap = max(self._max_postings, min(len(ids) for hits in per_token for ids in hits))
        ids_parts: list[npt.NDArray[np.int32]] = []
        weight_parts: list[npt.NDArray[np.float64]] = []
        for hits in per_token:
            usable = [ids for ids in hits if len(ids) <= cap]
            if not usable:
                continue
            merged = np.unique(np.concatenate(usable)) if len(usable) > 1 else usable[0]
            ids_parts.append(merged)
            weight_parts.append(np.full(len(merged), self.idf(min(len(ids) for ids in usable))))
        if not ids_parts:
            return []
        names, inverse = np.unique(np.concatenate(ids_parts), return_inverse=True)
        scores = np.bincount(inverse, weights=np.concatenate(weight_parts))
        if len(scores) > limit:
            top = np.argpartition(-scores, limit)[:limit]
        else:
            top = np.arange(len(scores))
        top = top[np.argsort(-scores[top])]
        # Names sharing far less than the best one cannot outscore it on a name that has to match in full.
        bar = scores[top[0]] * self._relative_floor
        return [Candidate(int(names[i]), float(scores[i])) for i in top if scores[i] >= bar]
