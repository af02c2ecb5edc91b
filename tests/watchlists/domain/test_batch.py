"""The batched scorer gives `name_score`'s result bit for bit, and skips only names that cannot reach the bar."""

from __future__ import annotations

import pytest

from services.watchlists.domain.batch import NameTable
from services.watchlists.domain.names import normalise
from services.watchlists.domain.scoring import make_tokens, name_score

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


def test_scores_equal_name_score_exactly(names: list[tuple[str, ...]]) -> None:
    table = NameTable([make_tokens(tokens) for tokens in names])
    ids = list(range(len(names)))
    for query in QUERIES:
        tokens = make_tokens(normalise(query).tokens)
        expected = [name_score(tokens, make_tokens(listed)) for listed in names]
        assert table.score(tokens, ids) == expected, query


def test_only_names_below_the_bar_are_skipped(names: list[tuple[str, ...]]) -> None:
    table = NameTable([make_tokens(tokens) for tokens in names])
    ids = list(range(len(names)))
    for query in QUERIES:
        tokens = make_tokens(normalise(query).tokens)
        every = dict(zip(ids, table.score(tokens, ids), strict=True))
        for bar in (0.3, 0.47, 0.8):
            kept = dict(table.score_above(tokens, ids, bar))
            assert all(every[i] == alignment for i, alignment in kept.items()), query
            assert {i for i, a in every.items() if a.score >= bar} <= set(kept), (query, bar)


def test_no_query_tokens_or_no_names() -> None:
    table = NameTable([make_tokens(("abdul", "baradar"))])
    assert table.score((), [0])[0].score == 0.0
    assert table.score(make_tokens(("baradar",)), []) == []
