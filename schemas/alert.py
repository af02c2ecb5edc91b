"""`Alert` v1: something an officer must look at that is not a decision on a new transfer.

Raised by retro-screening when a new watchlist version hits a party seen before, and as a
release proposal when a delisting removes the only reason a transfer is held.
"""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field

from schemas.common import Contract, UtcDatetime

ALERT_NAMESPACE = uuid.UUID("0c7d7f52-5c1e-4b52-9d0e-2f0f8f7a4a61")


class AlertKind(StrEnum):
    RETRO_HIT = "retro_hit"
    """A party seen in the retention window now matches an added or changed list entry."""
    RELEASE_PROPOSAL = "release_proposal"
    """The list entry that was a held transfer's only reason has been removed (delisting)."""


class Alert(Contract):
    schema_version: Literal[1] = 1
    alert_id: uuid.UUID
    kind: AlertKind
    watchlist_version: Annotated[str, Field(min_length=1)]
    entry_key: Annotated[str, Field(description="<list>:<entry_id> of the list entry concerned")]
    entry_name: str = ""
    transfer_ids: tuple[str, ...]
    subjects: tuple[str, ...] = ()
    score: float | None = None
    explanation: Annotated[str, Field(min_length=1, max_length=500)]
    evidence: dict[str, Any] = Field(default_factory=dict)
    raised_at: UtcDatetime

    @staticmethod
    def derive_id(kind: AlertKind, watchlist_version: str, entry_key: str, subject: str) -> uuid.UUID:
        """Deterministic: re-running retro-screening for the same version raises no new alert."""
        return uuid.uuid5(ALERT_NAMESPACE, f"{kind.value}|{watchlist_version}|{entry_key}|{subject}")
