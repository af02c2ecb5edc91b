"""The precise name score of `scoring`, computed for all of a query's candidates at once.

`scoring.align` compares token pairs one by one in Python. Here every listed name is turned into
vocabulary ids once, at build time, and a query compares its tokens with all its candidates'
tokens in one `rapidfuzz.process.cdist` call per edit measure. The skeleton, phonetic and initial
rules can only fire on the few pairs that share a skeleton or a phonetic code or involve a
one-letter token; those pairs are scored by `scoring.token_similarity` itself. A vectorised upper
bound then drops the candidates that cannot reach the caller's bar (most of them: a negative's
candidates share one token with it), and only the pairs above `token_min` of the rest go through
the greedy alignment in Python. What is returned is bit for bit `scoring.name_score`'s result (the
same floats, summed in the same order; the tests hold both to it). Candidates where one side may
write two tokens as one word (`scoring._merged`) take the pair-by-pair path.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from rapidfuzz import process
from rapidfuzz.distance import Indel, JaroWinkler

from services.watchlists.domain.scoring import PART_WEIGHT, Alignment, Token, greedy, name_score, token_similarity

_MERGE_MIN = 5
"""`scoring._merged` only joins tokens into a query token at least this long."""


@dataclass(frozen=True, slots=True)
class _Row:
    tokens: tuple[Token, ...]
    ids: tuple[int, ...]
    weights: tuple[float, ...]
    total: float
    """Summed token weights, in token order (the same float `align` computes)."""
    parts: int
    joins: frozenset[str]
    """Two or three adjacent tokens written as one word: what `scoring._merged` can replace."""
    long: tuple[str, ...]
    """Token texts long enough to be the joined form of two or three query tokens."""


def _joins(texts: tuple[str, ...]) -> frozenset[str]:
    return frozenset("".join(texts[start:start + size]) for size in (2, 3) for start in range(len(texts) - size + 1))


class NameTable:
    """Listed names as vocabulary ids with the per-token attributes the similarity rules look at."""

    def __init__(self, names: Sequence[tuple[Token, ...]]) -> None:
        vocab: dict[str, int] = {}
        texts: list[str] = []
        tokens_by_id: list[Token] = []
        rows: list[_Row] = []
        for tokens in names:
            ids = []
            for token in tokens:
                found = vocab.get(token.text)
                if found is None:
                    found = vocab[token.text] = len(texts)
                    texts.append(token.text)
                    tokens_by_id.append(token)
                ids.append(found)
            rows.append(_Row(tokens, tuple(ids), tuple(t.weight for t in tokens), sum(t.weight for t in tokens),
                             sum(1 for t in tokens if t.weight >= PART_WEIGHT), _joins(tuple(t.text for t in tokens)),
                             tuple(t.text for t in tokens if len(t.text) >= _MERGE_MIN)))
        self._rows = rows
        self._tokens = tokens_by_id
        self._totals = np.array([row.total for row in rows], dtype=np.float64)
        self._parts = np.array([row.parts for row in rows], dtype=np.int64)
        self._weights = np.array([t.weight for t in tokens_by_id] + [0.0], dtype=np.float64)
        self._texts = texts
        self._skeleton_ids: dict[str, int] = {}
        self._phonetic_ids: dict[str, int] = {}
        self._skeleton = np.array([self._code(self._skeleton_ids, t.skeleton) for t in tokens_by_id], dtype=np.int64)
        self._phonetic = np.array([self._code(self._phonetic_ids, t.phonetic) for t in tokens_by_id], dtype=np.int64)
        self._single = np.array([len(t.text) == 1 for t in tokens_by_id], dtype=bool)

    @staticmethod
    def _code(codes: dict[str, int], text: str) -> int:
        found = codes.get(text)
        if found is None:
            found = codes[text] = len(codes)
        return found

    def tokens(self, name_id: int) -> tuple[Token, ...]:
        return self._rows[name_id].tokens

    def _similarities(self, query: tuple[Token, ...], columns: list[int]) -> npt.NDArray[np.float64]:
        """`scoring.token_similarity` of every query token against the given vocabulary ids.

        The edit measures come from two `cdist` calls; the skeleton, phonetic and initial rules can only
        fire on pairs sharing a skeleton or a phonetic code or involving a one-letter token, which are
        few: those pairs are scored by `token_similarity` itself.
        """
        strings = [self._texts[c] for c in columns]
        texts = [t.text for t in query]
        # cdist's Jaro-Winkler similarity can differ from the scalar `normalized_similarity` in the last
        # bit; 1 - (1 - x) is how the scalar one is computed.
        jaro = 1.0 - (1.0 - process.cdist(texts, strings, scorer=JaroWinkler.similarity, dtype=np.float64))
        sim: npt.NDArray[np.float64] = (
            jaro + process.cdist(texts, strings, scorer=Indel.normalized_similarity, dtype=np.float64)) / 2
        cols = np.asarray(columns, dtype=np.intp)
        skeletons = self._skeleton_ids
        phonetics = self._phonetic_ids
        q_skeleton = np.array([skeletons.get(t.skeleton, -1) for t in query], dtype=np.int64)
        q_phonetic = np.array([phonetics.get(t.phonetic, -1) for t in query], dtype=np.int64)
        special = ((q_skeleton[:, None] == self._skeleton[cols]) | (q_phonetic[:, None] == self._phonetic[cols])
                   | self._single[cols])
        for i, token in enumerate(query):
            if len(token.text) == 1:
                special[i, :] = True
        rows, found = np.nonzero(special)
        if len(rows):
            tokens = self._tokens
            sim[rows, found] = [token_similarity(query[i], tokens[columns[j]])
                                for i, j in zip(rows.tolist(), found.tolist(), strict=True)]
        return sim

    def score(self, query: tuple[Token, ...], name_ids: Sequence[int], single_part_cap: float = 0.6,
              token_min: float = 0.75, extra_cost: float = 0.7, sharpness: float = 1.0) -> list[Alignment]:
        """`scoring.name_score(query, tokens of name)` for every name id, in order."""
        scored = dict(self.score_above(query, name_ids, None, single_part_cap, token_min, extra_cost, sharpness))
        return [scored[name_id] for name_id in name_ids]

    def score_above(self, query: tuple[Token, ...], name_ids: Sequence[int], bar: float | None,
                    single_part_cap: float = 0.6, token_min: float = 0.75, extra_cost: float = 0.7,
                    sharpness: float = 1.0) -> list[tuple[int, Alignment]]:
        """`scoring.name_score` of the names that can reach ``bar`` (all of them when it is None), in order.

        A name is skipped only when an upper bound of its score, from each token's best similarity on
        either side, stays below ``bar``: what is returned is exact, and nothing at or above the bar is lost.
        """
        if not query or not name_ids:
            return [(n, name_score(query, self._rows[n].tokens, single_part_cap, token_min, extra_cost, sharpness))
                    for n in name_ids]
        table_rows = self._rows
        # Every candidate's tokens side by side (a token shared by names is compared once per name: cdist
        # is cheaper than finding the distinct ones in Python).
        flat = [vocab_id for name_id in name_ids for vocab_id in table_rows[name_id].ids]
        flat_weights = [weight for name_id in name_ids for weight in table_rows[name_id].weights]
        starts = [0]
        for name_id in name_ids[:-1]:
            starts.append(starts[-1] + len(table_rows[name_id].ids))
        sim = self._similarities(query, flat)
        rows: list[list[float]] = sim.tolist()
        texts = [t.text for t in query]
        q_joins = _joins(tuple(texts))
        q_long = [t for t in texts if len(t) >= _MERGE_MIN]
        q_weights = [t.weight for t in query]
        q_total = sum(t.weight for t in query)
        q_len = len(query)
        reachable = None
        if bar is not None and sharpness == 1.0 and 0.0 <= extra_cost <= 1.0:
            reachable = (self._bounds(sim, flat_weights, starts, name_ids, q_weights, q_total, token_min,
                                      extra_cost) >= bar - 1e-9).tolist()
        out: list[tuple[int, Alignment]] = []
        for k, name_id in enumerate(name_ids):
            row = table_rows[name_id]
            c_len = len(row.ids)
            if (q_len < c_len and any(t in row.joins for t in q_long)) or (
                    c_len < q_len and any(t in q_joins for t in row.long)):
                # Tokens may be joined before aligning: the bound does not cover this, the exact path does.
                out.append((name_id, name_score(query, row.tokens, single_part_cap, token_min, extra_cost,
                                                sharpness)))
                continue
            if reachable is not None and not reachable[k]:
                continue
            start = starts[k]
            sims = [(s, i, j) for i, sim_row in enumerate(rows) for j in range(c_len)
                    if (s := sim_row[start + j]) >= token_min]
            if not sims:
                alignment = Alignment(0.0, 0, ())
            else:
                alignment = greedy(sims, query, row.tokens, q_weights, row.weights, q_total, row.total,
                                   extra_cost, sharpness)
            if row.parts >= 2 and alignment.matched < 2:
                alignment = Alignment(min(alignment.score, single_part_cap), alignment.matched, alignment.pairs)
            out.append((name_id, alignment))
        return out

    def _bounds(self, sim: npt.NDArray[np.float64], flat_weights: list[float], starts: list[int],
                name_ids: Sequence[int], q_weights: list[float], q_total: float, token_min: float,
                extra_cost: float) -> npt.NDArray[np.float64]:
        """An upper bound of every name's score (``extra_cost`` in [0, 1], no sharpness).

        Any one-to-one alignment earns at most each query token's best similarity times its weight (A),
        plus the weight of the listed tokens it matches (M); the score is then at most
        (A + M) / (Q + e C + (1 - e) M), which grows with M, so it is largest when every listed token
        with a partner above ``token_min`` is matched. (The single-part cap only lowers a score.)
        """
        gathered = np.where(sim >= token_min, sim, 0.0)
        offsets = np.asarray(starts, dtype=np.intp)
        best_q = np.maximum.reduceat(gathered, offsets, axis=1)
        c_weights = np.asarray(flat_weights, dtype=np.float64)
        matchable = np.add.reduceat(np.where(gathered.max(axis=0) > 0.0, c_weights, 0.0), offsets)
        earned = np.asarray(q_weights, dtype=np.float64) @ best_q
        totals = self._totals[np.asarray(name_ids, dtype=np.intp)]
        bound: npt.NDArray[np.float64] = (earned + matchable) / (
            q_total + extra_cost * totals + (1.0 - extra_cost) * matchable)
        return bound
