"""The compiled index: candidates through token keys, never a scan, and `scoring`'s scores bit for bit."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import pytest

from services.evaluation.fixtures import read_lists
from services.watchlists.domain._namecore import NameCore
from services.watchlists.domain.criteria import ScoringWeights
from services.watchlists.domain.index import NameIndex
from services.watchlists.domain.names import normalise
from services.watchlists.domain.scoring import Token, _similarity, make_token, make_tokens, name_score


def _index(names: list[str]) -> NameIndex:
    return NameIndex([make_tokens(normalise(n).tokens) for n in names])


def _filler(count: int) -> list[str]:
    return [f"Person{chr(97 + i % 26)}{chr(97 + (i // 26) % 26)}{i} Family{i}" for i in range(count)]


def _args(token: Token) -> tuple[str, str, str, float, bool]:
    return token.text, token.skeleton, token.phonetic, token.weight, token.vowelless


def test_exact_and_misspelt_tokens_find_the_name() -> None:
    names = [*_filler(5000), "Abdul Ghani Baradar"]
    index = _index(names)
    for query in ("Abdul Ghani Baradar", "Baradar Abdul Ghani", "Abdul Ghani Baradur", "عبد الغني برادر"):
        found = index.candidates(make_tokens(normalise(query).tokens), limit=5)
        assert found and found[0].name_id == len(names) - 1, query


def test_query_sharing_no_key_gets_no_candidates() -> None:
    index = _index(_filler(100))
    assert index.candidates(make_tokens(normalise("Zxqv Wqrt").tokens), limit=5) == []
    assert index.candidates((), limit=5) == []


def test_candidates_come_from_posting_lists_not_a_scan() -> None:
    index = _index([*_filler(20000), "Abdul Ghani Baradar"])
    found = index.candidates(make_tokens(normalise("Ghani Baradar").tokens), limit=50)
    # Only names sharing a key with the query are candidates: one here, not 20,001.
    assert [c.name_id for c in found] == [20000]


def test_candidates_rank_by_shared_rare_tokens_and_respect_the_limit() -> None:
    others = [f"Ghani Other{i}" for i in range(9)]
    index = _index(["Ghani Khan", "Abdul Ghani Baradar", "Ghani Baradar Akhund", *others])
    found = index.candidates(make_tokens(normalise("Ghani Baradar").tokens), limit=3)
    assert len(found) <= 3
    # Both names with "baradar" (rare) outrank every name sharing only "ghani" (common here).
    assert {c.name_id for c in found[:2]} == {1, 2}
    assert all(a.overlap >= b.overlap for a, b in itertools.pairwise(found))


def test_repeated_and_interleaved_queries_score_alike() -> None:
    # The per-name sums use a scratch array that each query resets: nothing may leak into the next one.
    index = _index([*_filler(300), "Abdul Ghani Baradar", "Ghani Khan"])
    first = index.candidates(make_tokens(normalise("Ghani Baradar").tokens), limit=5)
    index.candidates(make_tokens(normalise("Abdul Ghani Khan").tokens), limit=5)
    assert index.candidates(make_tokens(normalise("Ghani Baradar").tokens), limit=5) == first


LISTED = ["Abdul Ghani Baradar", "Mullah Baradar Akhund", "Osama bin Ladin", "Muhammad Umar", "Vladimir Putin",
          "VladimirPutin", "J. Smith", "Hussain Yousaf", "Mhmd Hsn", "Sparkles Trading LLC", "Abu Bakr al-Baghdadi",
          "Yi Meng Shan", "Choe Song Il", "Al", "Mohammed Ali Khan Zardari", "Bank Melli Iran", "Omar", "Usama",
          "Владимир Путин", "John Ronald Reuel Tolkien", "Kim Jong Un", "Kim Jong-un", "A B C Holdings"]
QUERIES = ["Abdul Ghani Baradar", "Baradar", "Usama bin Laden", "Mohammed Omar", "Vladimir Putin", "VladimirPutin",
           "John Smith", "Husayn Yusuf", "Muhammad Hassan", "Sporks Trading", "Patricia Lucas Wheeler", "Kim Jongun",
           "Muhammad Khan", "J R R Tolkien", "Choe Seoyeong", "ABC Holdings", "Omar", "Al", "X"]


@pytest.fixture(scope="module")
def names() -> list[tuple[str, ...]]:
    return [normalise(name).tokens for name in LISTED]


@pytest.mark.parametrize("weights", [ScoringWeights(), ScoringWeights(token_min=0.6, extra_cost=0.4, sharpness=2.0,
                                                                      single_part_cap=0.5)])
def test_scores_equal_name_score_exactly(names: list[tuple[str, ...]], weights: ScoringWeights) -> None:
    index = NameIndex([make_tokens(tokens) for tokens in names], weights)
    ids = list(range(len(names)))
    for query in QUERIES:
        tokens = make_tokens(normalise(query).tokens)
        expected = [name_score(tokens, make_tokens(listed), weights.single_part_cap, weights.token_min,
                               weights.extra_cost, weights.sharpness) for listed in names]
        assert index.score(tokens, ids) == expected, query


def test_exactly_the_names_at_or_above_the_bar_are_kept(names: list[tuple[str, ...]]) -> None:
    index = NameIndex([make_tokens(tokens) for tokens in names])
    ids = list(range(len(names)))
    for query in QUERIES:
        tokens = make_tokens(normalise(query).tokens)
        every = dict(zip(ids, index.score(tokens, ids), strict=True))
        for bar in (0.3, 0.47, 0.8):
            kept = dict(index.score_above(tokens, ids, bar))
            assert kept == {i: a for i, a in every.items() if a.score >= bar}, (query, bar)


def test_screen_is_candidates_then_scores(names: list[tuple[str, ...]]) -> None:
    index = NameIndex([make_tokens(tokens) for tokens in names])
    for query in QUERIES:
        tokens = make_tokens(normalise(query).tokens)
        ids = [c.name_id for c in index.candidates(tokens, limit=4)]
        assert index.screen(tokens, 4, 0.5) == index.score_above(tokens, ids, 0.5), query


def test_no_query_tokens_or_no_names() -> None:
    index = NameIndex([make_tokens(("abdul", "baradar"))])
    assert index.score((), [0])[0].score == 0.0
    assert index.score(make_tokens(("baradar",)), []) == []


def test_bad_input_is_refused_with_the_reason() -> None:
    with pytest.raises(ValueError, match="not ASCII"):
        NameCore([("baradär", "brdr", "BRTR", 1.0, False)], [[0]])
    with pytest.raises(ValueError, match="beyond the vocabulary"):
        NameCore([("baradar", "brdr", "BRTR", 1.0, False)], [[0, 1]])
    with pytest.raises(ValueError, match="no name 5"):
        NameIndex([make_tokens(("abdul", "baradar"))]).score(make_tokens(("baradar",)), [5])


VARIANTS = ["muhammad", "mohammed", "mhmd", "omar", "umar", "usama", "osama", "hussain", "husayn", "yousaf", "yusuf",
            "j", "john", "smith", "smyth", "sparkles", "sporks", "baradar", "baradur", "brdr", "a", "ab", "abd",
            "ali", "alee", "khan", "kahn", "choe", "choi", "seoyeong", "song", "il", "x", "tolkien", "tolkein"]


def test_token_similarity_equals_the_reference_on_every_rule() -> None:
    # Skeleton, vowel-less, phonetic and initial rules all fire among these pairs.
    for a in VARIANTS:
        for b in VARIANTS:
            x, y = make_token(a), make_token(b)
            expected = 1.0 if a == b else _similarity(x, y)
            assert NameCore.similarity(_args(x), _args(y)) == expected, (a, b)


@pytest.mark.slow
def test_token_similarity_equals_the_reference_on_listed_tokens(shared_data: Path) -> None:
    tokens = sorted({t for entry in read_lists(shared_data).combined for name in entry.names
                     for t in normalise(name.full).tokens})
    by_initial: dict[str, list[str]] = {}
    for token in tokens:
        by_initial.setdefault(token[0], []).append(token)
    rnd = random.Random(7)
    for _ in range(50_000):
        a = rnd.choice(tokens)
        b = rnd.choice(by_initial[a[0]] if rnd.random() < 0.7 else tokens)  # mostly alike pairs
        x, y = make_token(a), make_token(b)
        assert NameCore.similarity(_args(x), _args(y)) == (1.0 if a == b else _similarity(x, y)), (a, b)
