"""Candidate generation: an inverted index from token keys to names, ranked by IDF-weighted overlap.

Every token is indexed under three keys: itself, its consonant skeleton and its metaphone code, so a
typo, a transliteration without vowels or a phonetic respelling still lands on the listed name. A
query only touches the posting lists of its own keys, never the whole list; very frequent keys
("muhammad") are skipped when the query has rarer ones, which keeps the work per query small.
"""

from __future__ import annotations

import math
import threading
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
        # Scratch space for summing a query's weights per name; only the touched names are reset after.
        # One per thread: retro-screening runs in a worker thread beside live screening.
        self._local = threading.local()

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
        scratch: npt.NDArray[np.float64] | None = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = self._local.scratch = np.zeros(self.size, dtype=np.float64)
        for hits in per_token:
            usable = [ids for ids in hits if len(ids) <= cap]
            if not usable:
                continue
            merged = np.concatenate(usable) if len(usable) > 1 else usable[0]
            # A name found through several keys of one token is in `merged` more than once; fancy-index
            # addition adds once per distinct name, so each query token counts once per name.
            scratch[merged] += self.idf(min(len(ids) for ids in usable))
            ids_parts.append(merged)
        if not ids_parts:
            return []
        names = np.unique(np.concatenate(ids_parts)) if len(ids_parts) > 1 else np.unique(ids_parts[0])
        scores = scratch[names]
        scratch[names] = 0.0
        if len(scores) > limit:
            top = np.argpartition(-scores, limit)[:limit]
        else:
            top = np.arange(len(scores))
        top = top[np.argsort(-scores[top])]
        # Names sharing far less than the best one cannot outscore it on a name that has to match in full.
        bar = float(scores[top[0]]) * self._relative_floor
        return [Candidate(name_id, score) for name_id, score in zip(names[top].tolist(), scores[top].tolist(),
                                                                   strict=True) if score >= bar]
