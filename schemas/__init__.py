"""Wire contracts: every message that crosses a topic or an API. No IO, no logic."""

from schemas.deadletter import DeadLetter
from schemas.decision import Action, Decision, Reason, Resolution, Severity
from schemas.transfer import IdType, Party, TransferEvent

__all__ = [
    "Action",
    "DeadLetter",
    "Decision",
    "IdType",
    "Party",
    "Reason",
    "Resolution",
    "Severity",
    "TransferEvent",
]
