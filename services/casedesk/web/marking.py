"""Which words of a party's details and of a list entry are the same: pieces to show with <mark>.

Computed here, on the server, by comparing lower-cased word tokens (letters and digits of any script);
the templates only decide how a marked piece looks, and escape every piece.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Piece:
    text: str
    marked: bool = False


def tokens(text: str) -> frozenset[str]:
    return frozenset(m.group().lower() for m in _WORD.finditer(text))


def pieces(text: str, others: frozenset[str]) -> tuple[Piece, ...]:
    """`text` cut into runs, each word run marked when its lower-cased form is one of `others`."""
    found: list[Piece] = []
    at = 0
    for match in _WORD.finditer(text):
        if match.start() > at:
            found.append(Piece(text[at : match.start()]))
        found.append(Piece(match.group(), match.group().lower() in others))
        at = match.end()
    if at < len(text):
        found.append(Piece(text[at:]))
    return tuple(found)


def side_by_side(left: str, right: str) -> tuple[tuple[Piece, ...], tuple[Piece, ...]]:
    """Both texts with the words they share marked."""
    return pieces(left, tokens(right)), pieces(right, tokens(left))
