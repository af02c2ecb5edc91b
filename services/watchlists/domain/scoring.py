"""Precise name score: a one-to-one alignment of query tokens to candidate tokens.

Each token pair is scored with Jaro-Winkler, lifted when the two share a consonant skeleton or a
metaphone code (the vowel-free Arabic transliterations and the Mohammed/Muhammad kind of variant).
Tokens are weighted by length and commonness, so "Muhammad" or a legal form counts for less than a
rare surname. Unmatched query tokens cost their full weight; unmatched candidate tokens cost part
of theirs, because listed names often carry father and grandfather names a customer leaves out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import Indel, JaroWinkler

from services.watchlists.domain.names import phonetic, skeleton

# Down-weighted because they are shared by millions (the "Mohammed problem", §6.2) or carry no identity.
COMMON = {"muhammad": 0.35, "ali": 0.6, "khan": 0.6, "ahmad": 0.7, "ahmed": 0.7, "hassan": 0.8, "hussain": 0.8,
          "abu": 0.4, "abd": 0.35, "umm": 0.4, "syed": 0.5, "sayed": 0.5, "shaikh": 0.6, "sheikh": 0.6, "mirza": 0.6,
          "malik": 0.7, "chaudhry": 0.7, "bibi": 0.5, "begum": 0.5, "the": 0.1, "and": 0.1, "of": 0.1,
          "llc": 0.2, "ltd": 0.2, "limited": 0.2, "inc": 0.2, "corp": 0.2, "corporation": 0.2, "co": 0.2,
          "company": 0.3, "gmbh": 0.2, "jsc": 0.2, "ooo": 0.2, "oao": 0.2, "pjsc": 0.2, "sa": 0.2, "ag": 0.2,
          "plc": 0.2, "group": 0.4, "holding": 0.4, "holdings": 0.4, "bank": 0.5, "trading": 0.5,
          "business": 0.5, "international": 0.5, "industries": 0.5, "services": 0.5, "global": 0.5}
PART_WEIGHT = 0.3
"""Tokens lighter than this (legal forms, "abd", "muhammad") are not a name "part" of their own."""
PART_MIN = 0.8
"""A token pair less alike than this does not count as a matched part."""


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    skeleton: str
    phonetic: str
    weight: float
    vowelless: bool


@dataclass(frozen=True, slots=True)
class Alignment:
    score: float
    matched: int
    pairs: tuple[tuple[str, str, float], ...]


@lru_cache(maxsize=200_000)
def make_token(text: str) -> Token:
    weight = min(1.0, 0.3 + 0.15 * len(text)) * COMMON.get(text, 1.0)
    vowelless = not any(c in "aeiou" for c in text)
    return Token(text, skeleton(text), phonetic(text), weight, vowelless)


def make_tokens(texts: tuple[str, ...]) -> tuple[Token, ...]:
    return tuple(make_token(t) for t in texts)


_SIMILARITY_CACHE: dict[tuple[str, str], float] = {}
_SIMILARITY_CACHE_SIZE = 500_000


def token_similarity(a: Token, b: Token) -> float:
    if a.text == b.text:
        return 1.0
    key = (a.text, b.text)
    cached = _SIMILARITY_CACHE.get(key)
    if cached is None:
        # Names repeat across queries (first names above all): a pair is worth computing once.
        if len(_SIMILARITY_CACHE) >= _SIMILARITY_CACHE_SIZE:
            _SIMILARITY_CACHE.clear()
        cached = _SIMILARITY_CACHE[key] = _similarity(a, b)
    return cached


def _similarity(a: Token, b: Token) -> float:
    jaro = JaroWinkler.normalized_similarity(a.text, b.text)
    # Jaro-Winkler alone forgives a different ending too readily ("Sparkles" / "Sporks" 0.8): averaged
    # with the edit-based ratio, a typo still scores about 0.95 but a different word falls away.
    sim = (jaro + Indel.normalized_similarity(a.text, b.text)) / 2
    if sim < 0.9 and a.skeleton == b.skeleton and (len(a.skeleton) >= 3 or a.vowelless or b.vowelless):
        sim = 0.9
    elif sim < 0.88 and jaro >= 0.8 and a.skeleton == b.skeleton:
        sim = 0.88  # short names differing in a vowel only: Omar / Umar, Osama / Usama
    elif sim < 0.88 and a.phonetic == b.phonetic and len(a.phonetic) >= 2:
        sim = 0.88
    if (len(a.text) == 1 or len(b.text) == 1) and a.text[0] == b.text[0]:
        sim = max(sim, 0.8)  # an initial stands for the whole given name
    return sim


def _merged(short: tuple[Token, ...], long: tuple[Token, ...]) -> tuple[Token, ...]:
    """Join adjacent tokens of ``long`` that are written as one word in ``short`` ("Vladimir Putin")."""
    joined = "".join(t.text for t in long)
    result = list(long)
    for token in short:
        if len(token.text) < 5 or token.text not in joined:
            continue
        for size in (2, 3):
            for start in range(len(result) - size + 1):
                if "".join(t.text for t in result[start:start + size]) == token.text:
                    result[start:start + size] = [token]
                    break
    return tuple(result)


def align(query: tuple[Token, ...], candidate: tuple[Token, ...], token_min: float = 0.75,
          extra_cost: float = 0.7, part_min: float = PART_MIN, sharpness: float = 1.0) -> Alignment:
    """Greedy best-first one-to-one alignment; ``extra_cost`` weighs unmatched candidate tokens."""
    if not query or not candidate:
        return Alignment(0.0, 0, ())
    sims = []
    cache = _SIMILARITY_CACHE
    for i, q in enumerate(query):
        text = q.text
        for j, c in enumerate(candidate):
            # The cache lookup is inlined: this loop is the hot path of every screening query.
            sim = 1.0 if text == c.text else cache.get((text, c.text)) or token_similarity(q, c)
            if sim >= token_min:
                sims.append((sim, i, j))
    if not sims:
        return Alignment(0.0, 0, ())
    q_weights = [t.weight for t in query]
    c_weights = [t.weight for t in candidate]
    return greedy(sims, query, candidate, q_weights, c_weights, sum(q_weights), sum(c_weights),
                  extra_cost, sharpness, part_min)


def greedy(sims: list[tuple[float, int, int]], query: Sequence[Token], candidate: Sequence[Token],
           q_weights: Sequence[float], c_weights: Sequence[float], q_total: float, c_total: float,
           extra_cost: float, sharpness: float = 1.0, part_min: float = PART_MIN) -> Alignment:
    """Best-first one-to-one alignment over (similarity, query index, candidate index) triples.

    `align` ends here; the compiled core (native/src/lib.rs) does the same arithmetic in the same order.
    """
    sims.sort(reverse=True)
    used_q: set[int] = set()
    used_c: set[int] = set()
    numerator = 0.0
    matched_c_weight = 0.0
    pairs: list[tuple[str, str, float]] = []
    strong = 0
    for sim, i, j in sims:
        if i in used_q or j in used_c:
            continue
        used_q.add(i)
        used_c.add(j)
        c_weight = c_weights[j]
        # A fuzzy pair earns less than its similarity: 0.9 alike is still a different word often enough.
        numerator += (sim if sharpness == 1.0 else sim**sharpness) * (q_weights[i] + c_weight)
        matched_c_weight += c_weight
        pairs.append((query[i].text, candidate[j].text, sim))
        # Only substantial tokens count as a matched "part" (not "abd", "muhammad" or a legal form).
        strong += sim >= part_min and c_weight >= PART_WEIGHT
    denominator = q_total + matched_c_weight + extra_cost * (c_total - matched_c_weight)
    return Alignment(numerator / denominator if denominator else 0.0, strong, tuple(pairs))


def name_score(query: tuple[Token, ...], candidate: tuple[Token, ...], single_part_cap: float = 0.6,
               token_min: float = 0.75, extra_cost: float = 0.7, sharpness: float = 1.0) -> Alignment:
    """Alignment score, capped when only one part of a multi-part listed name matched (OFAC FAQ 5)."""
    if len(query) < len(candidate):
        candidate = _merged(query, candidate)
    elif len(candidate) < len(query):
        query = _merged(candidate, query)
    result = align(query, candidate, token_min, extra_cost, sharpness=sharpness)
    # Legal forms and other near-weightless words are not "parts" of a name for this rule.
    parts = sum(1 for t in candidate if t.weight >= PART_WEIGHT)
    if parts >= 2 and result.matched < 2:
        return Alignment(min(result.score, single_part_cap), result.matched, result.pairs)
    return result
