"""Type stubs of the compiled name-screening core (native/src/lib.rs)."""

TokenArgs = tuple[str, str, str, float, bool]
"""(text, skeleton, phonetic, weight, vowelless), as `scoring.Token` carries them."""
Scored = tuple[float, int, list[tuple[int, int, float]]]
"""(score, matched parts, aligned (query index, name index, similarity) pairs)."""
Scores = list[tuple[int, Scored | None]]
"""Per name id, its alignment, or None when `scoring.name_score` must join tokens first."""

class NameCore:
    def __init__(self, vocab: list[TokenArgs], names: list[list[int]], max_postings: int = 400,
                 relative_floor: float = 0.5, part_weight: float = 0.3) -> None: ...
    def candidates(self, query: list[TokenArgs], limit: int) -> list[tuple[int, float]]: ...
    def score(self, query: list[TokenArgs], name_ids: list[int], bar: float | None, single_part_cap: float,
              token_min: float, extra_cost: float, sharpness: float, part_min: float) -> Scores: ...
    def screen(self, query: list[TokenArgs], limit: int, bar: float | None, single_part_cap: float,
               token_min: float, extra_cost: float, sharpness: float, part_min: float) -> Scores: ...
    @staticmethod
    def similarity(a: TokenArgs, b: TokenArgs) -> float: ...
