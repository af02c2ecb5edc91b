"""`Decision` v1: the screening outcome for one transfer, or an officer's resolution of it."""

from __future__ import annotations

import hashlib
import uuid
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from schemas.common import Contract, Identifier, UtcDatetime

# Decision ids are derived, not random, so a re-screened transfer yields the same id and
# every consumer can drop the duplicate (at-least-once delivery, idempotent consumers).
DECISION_NAMESPACE = uuid.UUID("6f1c2a4e-9a57-4d0e-8f7e-3b3c0d6e5a11")
_SYSTEM_PREFIX = DECISION_NAMESPACE.bytes + b"system:"
# RFC 4122 version 5: the variant bits (10xx) and the version nibble (0101) over a SHA-1 digest.
_V5_KEEP = ~((0xC000 << 48) | (0xF000 << 64)) & ((1 << 128) - 1)
_V5_BITS = (0x8000 << 48) | (5 << 76)
_SET_INT = uuid.UUID.__dict__["int"].__set__
_SET_IS_SAFE = uuid.UUID.__dict__["is_safe"].__set__


class Action(StrEnum):
    ALLOW = "allow"
    FLAG = "flag"
    HOLD = "hold"


class Resolution(StrEnum):
    RELEASE = "release"
    REJECT = "reject"
    FREEZE = "freeze"


class Severity(StrEnum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class Reason(Contract):
    """Why a rule fired, in words an analyst can read, with the evidence behind it."""

    rule_id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_.]*$")]
    explanation: Annotated[str, Field(min_length=1, max_length=500)]
    severity: Severity
    evidence: dict[str, Any] = Field(default_factory=dict)
    subjects: tuple[str, ...] = ()


SYSTEM = "system"


class Decision(Contract):
    schema_version: Literal[1] = 1
    decision_id: uuid.UUID
    transfer_id: Identifier
    action: Action
    score: Annotated[float, Field(ge=0.0)]
    reasons: tuple[Reason, ...] = ()
    policy_version: Identifier
    watchlist_version: Identifier
    decided_at: UtcDatetime
    decided_by: Identifier = SYSTEM
    supersedes: uuid.UUID | None = None
    resolution: Resolution | None = None

    @model_validator(mode="after")
    def _resolution_shape(self) -> Decision:
        if (self.supersedes is None) != (self.resolution is None):
            raise ValueError("supersedes and resolution go together (an officer outcome)")
        if self.resolution is not None and self.decided_by == SYSTEM:
            raise ValueError("a resolution must name the officer in decided_by")
        return self

    @property
    def is_resolution(self) -> bool:
        return self.resolution is not None

    @staticmethod
    def system_id(transfer_id: str) -> uuid.UUID:
        """The deterministic id of the screener's decision for a transfer.

        Exactly `uuid.uuid5(DECISION_NAMESPACE, f"system:{transfer_id}")`, built without
        `UUID.__init__`'s argument handling: it runs once per screened transfer.
        """
        digest = hashlib.sha1(_SYSTEM_PREFIX + transfer_id.encode()).digest()
        made = object.__new__(uuid.UUID)
        _SET_INT(made, (int.from_bytes(digest[:16]) & _V5_KEEP) | _V5_BITS)
        _SET_IS_SAFE(made, uuid.SafeUUID.unknown)
        return made
