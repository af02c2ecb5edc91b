"""Who acts on a case and what they can ask for: roles, the acting person, the action vocabulary.

Entitlement is decided here by role alone; whether an action also needs a second person is
`four_eyes.py`'s question, and what it does to a case is `case.py`'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from services.auth.domain.principal import Role as Role

# The roles are the auth module's: one vocabulary for who may log in and what they may do here.
ACTING_ROLES = frozenset({Role.ANALYST, Role.SENIOR, Role.ADMIN})
CHECKING_ROLES = frozenset({Role.SENIOR, Role.ADMIN})


class CaseAction(StrEnum):
    ASSIGN = "assign"
    COMMENT = "comment"
    RELEASE = "release"
    """Settle every held transfer of the case."""
    REJECT = "reject"
    """Return every held transfer to its sender (prohibited, but no designated person has an interest)."""
    FREEZE = "freeze"
    """Confirmed sanctions match: keep the funds blocked; a freeze report is due."""
    ESCALATE = "escalate"
    """Hand the case to senior officers: from then on only they decide it."""
    CLOSE_FALSE_POSITIVE = "close_false_positive"
    """Nothing suspicious: release what is held, suppress a false name match, close."""
    MARK_STR = "mark_str"
    """A suspicious transaction report is to be filed."""
    APPROVE = "approve"
    """The checker lets a pending proposal take effect."""
    DECLINE = "decline"
    """The checker turns a pending proposal down."""
    UNFREEZE = "unfreeze"
    """Lift a freeze (a delisting or a legal order): the frozen transfers may settle."""


@dataclass(frozen=True, slots=True)
class Actor:
    """The authenticated person behind an action (the adapter vouches for name and role)."""

    name: str
    role: Role

    @property
    def key(self) -> str:
        """The identity compared for maker-checker: spelling variants of one login are one person."""
        return self.name.strip().casefold()

    @property
    def may_act(self) -> bool:
        return self.role in ACTING_ROLES and bool(self.key)

    @property
    def may_check(self) -> bool:
        return self.role in CHECKING_ROLES and bool(self.key)


def same_person(a: str, b: str) -> bool:
    """Whether two officer names are one person under `Actor.key`'s folding."""
    return a.strip().casefold() == b.strip().casefold()
