"""Roles and principals: who is asking, and what of which exchange they may see."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    ANALYST = "analyst"
    """An officer who triages cases and proposes (maker)."""
    SENIOR = "senior"
    """An officer who may also approve another officer's proposal (checker)."""
    ADMIN = "admin"
    REGULATOR = "regulator"
    """Read-only: cases, reports and exports."""
    EXCHANGE = "exchange"
    """A machine: an exchange's systems submitting transfers and reading their outcomes."""


OFFICERS = frozenset({Role.ANALYST, Role.SENIOR, Role.ADMIN})
CHECKERS = frozenset({Role.SENIOR, Role.ADMIN})


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller. `exchange_id` scopes it to one exchange's data; None sees every exchange."""

    name: str
    role: Role
    exchange_id: str | None = None
    machine: bool = False

    def sees(self, exchange_id: str | None) -> bool:
        """Whether this caller may see data of `exchange_id` (data of no exchange only the unscoped see)."""
        return self.exchange_id is None or self.exchange_id == exchange_id
