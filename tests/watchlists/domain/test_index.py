"""Candidate generation finds the listed name through its keys, without scanning every name."""

from __future__ import annotations

from services.watchlists.domain.index import NameIndex
from services.watchlists.domain.names import normalise
from services.watchlists.domain.scoring import make_tokens


def _index(names: list[str]) -> NameIndex:
    return NameIndex.build([make_tokens(normalise(n).tokens) for n in names])


def _filler(count: int) -> list[str]:
    return [f"Person{chr(97 + i % 26)}{chr(97 + (i // 26) % 26)}{i} Family{i}" for i in range(count)]


def test_exact_and_misspelt_tokens_find_the_name() -> None:
    names = [*_filler(5000), "Abdul Ghani Baradar"]
    index = _index(names)
    for query in ("Abdul Ghani Baradar", "Baradar Abdul Ghani", "Abdul Ghani Baradur", "عبد الغني برادر"):
        found = index.candidates(make_tokens(normalise(query).tokens), limit=5)
        assert found and found[0].name_id == len(names) - 1, query


def test_query_sharing_no_key_gets_no_candidates() -> None:
    index = _index(_filler(100))
    assert index.candidates(make_tokens(normalise("Zxqv Wqrt").tokens), limit=5) == []


def test_candidates_come_from_posting_lists_not_a_scan() -> None:
    index = _index([*_filler(20000), "Abdul Ghani Baradar"])
    found = index.candidates(make_tokens(normalise("Ghani Baradar").tokens), limit=50)
    # Only names sharing a key with the query are candidates: one here, not 20,001.
    assert [c.name_id for c in found] == [20000]


def test_repeated_and_interleaved_queries_score_alike() -> None:
    # The per-name sums use a scratch array that each query resets: nothing may leak into the next one.
    index = _index([*_filler(300), "Abdul Ghani Baradar", "Ghani Khan"])
    first = index.candidates(make_tokens(normalise("Ghani Baradar").tokens), limit=5)
    index.candidates(make_tokens(normalise("Abdul Ghani Khan").tokens), limit=5)
    assert index.candidates(make_tokens(normalise("Ghani Baradar").tokens), limit=5) == first
