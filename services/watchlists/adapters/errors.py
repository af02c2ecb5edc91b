"""The one error every watchlist adapter raises for input it cannot read."""

from __future__ import annotations

from pathlib import Path


class WatchlistFormatError(ValueError):
    """A source file that is not in the expected format.

    The message always starts with `<file>:<line>:` (or `<file>:<element>:` for XML without a
    line) so an operator can open the file at the offending place.
    """

    def __init__(self, path: Path | str, where: int | str | None, problem: str) -> None:
        self.path = Path(path)
        self.where = where
        self.problem = problem
        location = f"{self.path}:{where}" if where is not None else str(self.path)
        super().__init__(f"{location}: {problem}")
